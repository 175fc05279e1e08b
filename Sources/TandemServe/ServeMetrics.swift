import Foundation

/// Request counters and latency histograms for `/metrics`, in the Prometheus text exposition
/// format 0.0.4, written by hand. Routes are templates (`/v1/models/{name}/predict`), so the
/// label sets stay bounded whatever paths clients send.
final class ServeMetrics: @unchecked Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct Histogram {
        var counts = [Int](repeating: 0, count: ServeMetrics.buckets.count)
        var sum = 0.0
        var count = 0

        /// Counts one observation of `seconds` in `bucket` (nil: above the last bound).
        mutating func add(_ seconds: Double, bucket: Int?) {
            if let bucket { counts[bucket] += 1 }
            sum += seconds
            count += 1
        }
    }

    private typealias Route = ServeResponder.Route
    private let lock = NSLock()
    /// Per route (`Route.allCases` order): the status codes answered and how often, in first-seen
    /// order (a few per route: found by a short scan, no string hashed per request).
    private var requests = [[(code: Int, count: Int)]](repeating: [], count: Route.allCases.count)
    /// Per route (same order); a count of 0: the route was never answered (not exported).
    private var latency = [Histogram](repeating: Histogram(), count: Route.allCases.count)
    private var rows: [String: Int] = [:]
    private var driftErrors: [String: Int] = [:]
    /// Requests `InlinePredict` took and answered on the event loop, and those it handed to a
    /// worker (for the tests; not exported).
    private var inline = 0, handedOff = 0

    /// Which path answered a request.
    enum Path {
        /// Hummingbird's request task (`ServeResponder.respond`).
        case hummingbird
        /// `InlinePredict`, on the connection's event loop.
        case eventLoop
        /// `InlinePredict`, predicted on a worker.
        case worker
    }

    /// Counts one request to `route` answered with `code` after `seconds` by `path`.
    func record(route: ServeResponder.Route, code: Int, seconds: Double, path: Path = .hummingbird) {
        let bucket = Self.buckets.firstIndex(where: { seconds <= $0 })
        let r = route.index
        lock.lock()
        defer { lock.unlock() }
        switch path {
        case .hummingbird: break
        case .eventLoop: inline += 1
        case .worker: handedOff += 1
        }
        // In place through the subscripts: a copy taken out would copy the counts on the first write.
        if let i = requests[r].firstIndex(where: { $0.code == code }) {
            requests[r][i].count += 1
        } else {
            requests[r].append((code, 1))
        }
        latency[r].add(seconds, bucket: bucket)
    }

    /// Counts `n` rows predicted by `model`.
    func predicted(model: String, rows n: Int) {
        lock.lock()
        rows[model, default: 0] += n
        lock.unlock()
    }

    /// Requests answered by `InlinePredict` so far.
    var inlineRequests: Int {
        lock.lock()
        defer { lock.unlock() }
        return inline
    }

    /// Requests `InlinePredict` took and handed to a worker so far.
    var handedOffRequests: Int {
        lock.lock()
        defer { lock.unlock() }
        return handedOff
    }

    /// Counts a failed drift scoring of `model`.
    func driftFailed(model: String) {
        lock.lock()
        driftErrors[model, default: 0] += 1
        lock.unlock()
    }

    /// Failed drift scorings of `model` so far.
    func driftFailures(model: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return driftErrors[model] ?? 0
    }

    /// The counters and histograms as exposition text (families in a fixed order, series sorted).
    func exposition(models: [String]) -> String {
        lock.lock()
        let requests = self.requests, latency = self.latency, rows = self.rows
        lock.unlock()
        let counted = zip(Route.allCases, requests).flatMap { route, codes in codes.map { (route: route.rawValue, code: $0.code, n: $0.count) } }
        let timed = zip(Route.allCases, latency).filter { $0.1.count > 0 }.map { (route: $0.0.rawValue, h: $0.1) }
        var out = "# HELP tandem_http_requests_total HTTP requests by route and status code.\n# TYPE tandem_http_requests_total counter\n"
        for (route, code, n) in counted.sorted(by: { ($0.route, $0.code) < ($1.route, $1.code) }) {
            out += "tandem_http_requests_total{route=\(Self.label(route)),code=\"\(code)\"} \(n)\n"
        }
        out += "# HELP tandem_http_request_duration_seconds Time from request to response, by route.\n# TYPE tandem_http_request_duration_seconds histogram\n"
        for (route, h) in timed.sorted(by: { $0.route < $1.route }) {
            var cumulative = 0
            for (i, le) in Self.buckets.enumerated() {
                cumulative += h.counts[i]
                out += "tandem_http_request_duration_seconds_bucket{route=\(Self.label(route)),le=\"\(Self.number(le))\"} \(cumulative)\n"
            }
            out += "tandem_http_request_duration_seconds_bucket{route=\(Self.label(route)),le=\"+Inf\"} \(h.count)\n"
            out += "tandem_http_request_duration_seconds_sum{route=\(Self.label(route))} \(Self.number(h.sum))\n"
            out += "tandem_http_request_duration_seconds_count{route=\(Self.label(route))} \(h.count)\n"
        }
        out += "# HELP tandem_rows_predicted_total Rows predicted, by model.\n# TYPE tandem_rows_predicted_total counter\n"
        for model in models { out += "tandem_rows_predicted_total{model=\(Self.label(model))} \(rows[model] ?? 0)\n" }
        return out
    }

    /// A label value, quoted, with `\`, `"` and newlines escaped.
    static func label(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// A sample value: integers without a fraction, NaN and infinities as Prometheus spells them.
    static func number(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "+Inf" : "-Inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
