import Foundation
import Testing
import TandemData
import TandemServe

/// `/metrics` parses as Prometheus text and counts requests, latencies, rows and drift.
@Suite struct ServeMetricsTests {
    /// Samples of an exposition: `name{labels}` -> value; fails on a line that is not a
    /// comment or `name{k="v",...} number`, or on a family whose samples are not contiguous.
    static func parse(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        var familiesSeen: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                let words = line.split(separator: " ")
                if words.count >= 4, words[1] == "TYPE" {
                    #expect(["counter", "gauge", "histogram"].contains(words[3]), "\(line)")
                    #expect(!familiesSeen.contains(String(words[2])), "family \(words[2]) declared twice")
                    familiesSeen.append(String(words[2]))
                }
                continue
            }
            guard let space = line.lastIndex(of: " ") else { throw HTTPConnection.Failure(description: "bad sample line: \(line)") }
            let series = String(line[..<space])
            guard let value = Double(line[line.index(after: space)...].replacingOccurrences(of: "+Inf", with: "inf")) else {
                throw HTTPConnection.Failure(description: "bad value: \(line)")
            }
            let name = series.prefix { $0 != "{" }
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                  series == name || (series.hasSuffix("}") && series.contains("=\"")) else {
                throw HTTPConnection.Failure(description: "bad series: \(line)")
            }
            #expect(familiesSeen.contains { name.hasPrefix($0) }, "\(name) has no TYPE line before it")
            samples[series] = value
        }
        return samples
    }

    @Test func metricsCountRequestsLatencyAndRows() async throws {
        let model = try ServedModel(name: "t", artifact: Fixtures.artifact())
        try await Fixtures.withServer([model]) { port in
            for _ in 0..<3 { _ = try await http(port, "POST", "/v1/predict", body: #"{"rows": [[1, "red"], [2, "blue"]]}"#) }
            _ = try await http(port, "POST", "/v1/models/t/predict", body: #"{"rows": [[1, "red"]]}"#)
            _ = try await http(port, "POST", "/v1/predict", body: #"{"rows": [[1]]}"#)
            _ = try await http(port, "GET", "/nowhere/\(UUID())")
            let reply = try await http(port, "GET", "/metrics")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let m = try Self.parse(reply.body)
            #expect(m[#"tandem_http_requests_total{route="/v1/predict",code="200"}"#] == 3)
            #expect(m[#"tandem_http_requests_total{route="/v1/predict",code="400"}"#] == 1)
            #expect(m[#"tandem_http_requests_total{route="/v1/models/{name}/predict",code="200"}"#] == 1)
            #expect(m[#"tandem_http_requests_total{route="unmatched",code="404"}"#] == 1)
            #expect(m[#"tandem_rows_predicted_total{model="t"}"#] == 7)
            #expect(m[#"tandem_http_request_duration_seconds_count{route="/v1/predict"}"#] == 4)
            #expect(m[#"tandem_http_request_duration_seconds_bucket{route="/v1/predict",le="+Inf"}"#] == 4)
            let sum = try #require(m[#"tandem_http_request_duration_seconds_sum{route="/v1/predict"}"#])
            #expect(sum > 0 && sum < 10)
            // Buckets are cumulative.
            let buckets = m.filter { $0.key.hasPrefix(#"tandem_http_request_duration_seconds_bucket{route="/v1/predict""#) }
            let ordered = buckets.sorted { Self.bound($0.key) < Self.bound($1.key) }.map(\.value)
            #expect(ordered == ordered.sorted() && ordered.count == 15)
            #expect(m.keys.contains { $0.hasPrefix("tandem_feature_drift_psi") } == false)  // no scorer given
        }
    }

    static func bound(_ series: String) -> Double {
        guard let r = series.range(of: "le=\"") else { return .nan }
        return Double(series[r.upperBound...].prefix { $0 != "\"" }.replacingOccurrences(of: "+Inf", with: "inf")) ?? .nan
    }

    /// A fake scorer: records the window it saw; PSI = mean of `a` (so the test knows the value).
    final class Seen: @unchecked Sendable {
        let lock = NSLock()
        var tables: [Table] = []
    }

    @Test func driftGaugesComeFromTheScorerOverTheRollingWindow() async throws {
        let seen = Seen()
        let scorer: DriftScorer = { table in
            seen.lock.lock(); seen.tables.append(table); seen.lock.unlock()
            guard case .numeric(let a) = table.columns[0] else { throw HTTPConnection.Failure(description: "a is not numeric") }
            let present = a.filter { !$0.isNaN }
            return [("a", present.reduce(0, +) / Double(present.count)), ("color", Double(table.rowCount))]
        }
        let model = try ServedModel(name: "t", artifact: Fixtures.artifact(), driftWindow: 3, scorer: scorer)
        let failing = try ServedModel(name: "bad", artifact: Fixtures.artifact(), scorer: { _ in throw HTTPConnection.Failure(description: "no histograms") })
        try await Fixtures.withServer([model, failing]) { port in
            let empty = try Self.parse(try await http(port, "GET", "/metrics").body)
            #expect(empty[#"tandem_drift_window_rows{model="t"}"#] == 0)
            #expect(seen.tables.isEmpty)  // an empty window is not scored
            _ = try await http(port, "POST", "/v1/predict", body: #"{"rows": [[1, "red"], [2, "blue"]]}"#)
            _ = try await http(port, "POST", "/v1/predict", body: #"{"rows": [{"a": 10, "color": "green"}, {"a": null, "color": null}]}"#)
            _ = try await http(port, "POST", "/v1/models/bad/predict", body: #"{"rows": [[1, "red"]]}"#)
            let text = try await http(port, "GET", "/metrics").body
            let m = try Self.parse(text)
            #expect(m[#"tandem_drift_window_rows{model="t"}"#] == 3)
            #expect(m[#"tandem_feature_drift_psi{model="t",feature="a"}"#] == 6)  // window: 2, 10, missing
            #expect(m[#"tandem_feature_drift_psi{model="t",feature="color"}"#] == 3)
            #expect(m[#"tandem_drift_scoring_errors_total{model="bad"}"#] == 1)
            #expect(m[#"tandem_drift_scoring_errors_total{model="t"}"#] == 0)
            #expect(text.contains("# drift scoring failed for model bad: no histograms"))
            let window = try #require(seen.tables.last)
            #expect(window.names == ["a", "color"])
            #expect(window.rowCount == 3)
            guard case .numeric(let a) = window.columns[0], case .categorical(let color) = window.columns[1] else {
                Issue.record("window columns have the wrong kinds: \(window.columns)")
                return
            }
            #expect(a.count == 3 && a[0] == 2 && a[1] == 10 && a[2].isNaN)  // oldest first, raw values
            #expect(color == ["blue", "green", nil])
            // A request larger than the window leaves only its last rows.
            _ = try await http(port, "POST", "/v1/predict", body: #"{"rows": [[1, "red"], [2, "red"], [3, "red"], [4, "red"], [5, "red"]]}"#)
            let after = try Self.parse(try await http(port, "GET", "/metrics").body)
            #expect(after[#"tandem_feature_drift_psi{model="t",feature="a"}"#] == 4)
        }
    }
}
