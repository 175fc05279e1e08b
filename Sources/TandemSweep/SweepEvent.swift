import Foundation
import TandemMetrics

/// One line of the sweep journal.
public enum SweepEvent: Sendable {
    /// The sweep began: its strategy, metric and number of trials (checked on resume).
    case sweep(strategy: String, metric: String, trials: Int)
    /// A trial exists, with its parameters, seed and overrides (the overrides identify it on resume).
    case created(trial: Int, params: JSONValue, seed: UInt64, overrides: [String])
    /// A group began training the trial (`resume`: from its newest checkpoint, if any).
    case started(trial: Int, group: Int, resume: Bool)
    /// A validation value after an epoch, and the answer: go on or stop.
    case reported(trial: Int, epoch: Int, value: Double?, goOn: Bool)
    /// The trial ended: finished, stopped or failed.
    case ended(trial: Int, outcome: TrialOutcome)

    /// The journal line.
    public var json: JSONValue {
        let time: (String, JSONValue) = ("time", .number((Date().timeIntervalSince1970 * 1000).rounded() / 1000))
        switch self {
        case .sweep(let s, let m, let n):
            return .object([("event", "sweep"), ("strategy", .string(s)), ("metric", .string(m)), ("trials", .int(n)), time])
        case .created(let t, let p, let seed, let o):
            return .object([("event", "created"), ("trial", .int(t)), ("params", p), ("seed", .int(Int(seed))),
                            ("overrides", .array(o.map { .string($0) })), time])
        case .started(let t, let g, let r):
            return .object([("event", "started"), ("trial", .int(t)), ("group", .int(g)), ("resume", .bool(r)), time])
        case .reported(let t, let e, let v, let go):
            return .object([("event", "reported"), ("trial", .int(t)), ("epoch", .int(e)), ("value", v.map(JSONValue.number) ?? .null),
                            ("decision", go ? "continue" : "stop"), time])
        case .ended(let t, let o):
            return .object([("event", .string(o.status.rawValue)), ("trial", .int(t)), ("epochs", .int(o.epochs)),
                            ("value", o.metric.map(JSONValue.number) ?? .null), ("wall_seconds", .number(o.wallSeconds)),
                            ("error", o.error.map(JSONValue.string) ?? .null),
                            ("validation", .numbers(o.validation)), ("test", .numbers(o.test)), time])
        }
    }

    /// A journal line as JSONDecoder reads it (JSONSerialization does not round-trip every double).
    struct Line: Decodable {
        var event: String
        var strategy: String?
        var metric: String?
        var trials: Int?
        var trial: Int?
        var seed: UInt64?
        var overrides: [String]?
        var group: Int?
        var resume: Bool?
        var epoch: Int?
        var value: Double?
        var decision: String?
        var epochs: Int?
        var wall_seconds: Double?
        var error: String?
        /// Non-finite metrics (a diverged trial's NaN loss) are written as null.
        var validation: [String: Double?]?
        var test: [String: Double?]?
    }

    /// Reads one journal line.
    init(line: Data) throws {
        let o: Line
        do { o = try JSONDecoder().decode(Line.self, from: line) } catch { throw SweepError(.invalidEvent(problem: "\(error)")) }
        func need<T>(_ v: T?, _ key: String) throws -> T {
            guard let v else { throw SweepError(.invalidEvent(problem: "'\(key)' is missing from a '\(o.event)' event")) }
            return v
        }
        func pairs(_ raw: [String: Double?]?) -> [(String, Double)] {
            let d = raw?.compactMapValues { $0 }
            // The metric names' canonical order (a dictionary has none).
            let order = MetricName.classification + MetricName.regression
            return (d ?? [:]).map { ($0.key, $0.value) }
                .sorted { (order.firstIndex(of: $0.0) ?? 99, $0.0) < (order.firstIndex(of: $1.0) ?? 99, $1.0) }
        }
        switch o.event {
        case "sweep":
            self = .sweep(strategy: o.strategy ?? "", metric: o.metric ?? "", trials: try need(o.trials, "trials"))
        case "created":
            self = .created(trial: try need(o.trial, "trial"), params: .null, seed: try need(o.seed, "seed"), overrides: o.overrides ?? [])
        case "started":
            self = .started(trial: try need(o.trial, "trial"), group: try need(o.group, "group"), resume: o.resume ?? false)
        case "reported":
            self = .reported(trial: try need(o.trial, "trial"), epoch: try need(o.epoch, "epoch"), value: o.value, goOn: o.decision != "stop")
        case let s where TrialStatus(rawValue: s)?.isDone == true:
            self = .ended(trial: try need(o.trial, "trial"), outcome: TrialOutcome(
                status: TrialStatus(rawValue: s) ?? .failed, epochs: try need(o.epochs, "epochs"), metric: o.value,
                wallSeconds: o.wall_seconds ?? 0, error: o.error, validation: pairs(o.validation), test: pairs(o.test)))
        default:
            throw SweepError(.invalidEvent(problem: "unknown event '\(o.event)'"))
        }
    }
}

/// How a trial ended, as its group root reports it.
public struct TrialOutcome: Sendable {
    public var status: TrialStatus
    public var epochs: Int
    /// The sweep metric on the validation split of the final model.
    public var metric: Double?
    public var wallSeconds: Double
    public var error: String?
    public var validation: [(String, Double)]
    public var test: [(String, Double)]

    public init(status: TrialStatus, epochs: Int, metric: Double?, wallSeconds: Double, error: String?,
                validation: [(String, Double)], test: [(String, Double)]) {
        self.status = status
        self.epochs = epochs
        self.metric = metric
        self.wallSeconds = wallSeconds
        self.error = error
        self.validation = validation
        self.test = test
    }
}
