import Foundation
import TandemMetrics

/// One training run of a sweep: its number, hyperparameter values and training seed.
public struct TrialSpec: Sendable {
    /// 0, 1, 2, ... in creation order; the run directory is `trials/<name>`.
    public let id: Int
    /// `(key path, value)` in the search space's key order.
    public let params: [(key: String, value: JSONValue)]
    /// The trial's `train.seed` (derived from the sweep seed and `id` unless a parameter sets it).
    public let seed: UInt64

    public init(id: Int, params: [(key: String, value: JSONValue)], seed: UInt64) {
        self.id = id
        self.params = params
        self.seed = seed
    }

    /// The directory name under `trials/`: the id with four digits (`0007`).
    public var name: String { String(format: "%04d", id) }

    /// `--set` overrides of the parameters, e.g. `train.optimizer.lr=0.003`.
    public var paramOverrides: [String] { params.map { "\($0.key)=\($0.value.rendered)" } }

    /// The parameters as a JSON object.
    public var paramsJSON: JSONValue { .object(params.map { ($0.key, $0.value) }) }

    /// `lr=0.003 hidden=[64]`: the last part of each key and a short form of the value.
    public var shortParams: String {
        params.map { p in
            let v: String
            if case .number(let x) = p.value { v = String(format: "%.4g", x) } else { v = p.value.rendered }
            return "\(p.key.split(separator: ".").last.map(String.init) ?? p.key)=\(v)"
        }.joined(separator: " ")
    }
}

/// Where a trial is.
public enum TrialStatus: String, Sendable, Codable {
    case pending, running
    /// Trained to the end (its epochs, max_steps or its own early stopping).
    case finished
    /// Ended by the sweep (ASHA did not promote it); not a failure.
    case stopped
    /// Training threw (diverged, bad config value, bad data); `error` says why.
    case failed

    /// Whether the trial is over.
    public var isDone: Bool { self == .finished || self == .stopped || self == .failed }
}

/// What the sweep knows about a trial.
public struct TrialRecord: Sendable {
    public var status = TrialStatus.pending
    /// Epochs trained (last reported epoch while running).
    public var epochs = 0
    /// The sweep metric: the latest report while running, the final validation value at the end.
    public var metric: Double?
    public var wallSeconds: Double?
    public var error: String?
    /// Final validation and test metrics from the trial's summary.
    public var validation: [(String, Double)] = []
    public var test: [(String, Double)] = []
    /// The group running it (while running).
    public var group: Int?
    /// ASHA answered stop to one of its reports.
    public var stopRequested = false

    /// The final validation loss (a finite number), the first tie-breaker between trials.
    public var validationLoss: Double? {
        validation.first { $0.0 == "loss" }.map(\.1).flatMap { $0.isFinite ? $0 : nil }
    }

    public init() {}
}
