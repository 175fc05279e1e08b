import TandemTensor

/// Training failed in a way that is not a config or data problem: the loss diverged, the ranks
/// do not run the same job, a shard arrived with the wrong size, a sweep's metric is missing.
public struct TrainingError: KindedError, CustomStringConvertible, Equatable, Sendable {
    /// What diverged.
    public enum Quantity: Equatable, Sendable {
        case loss
        case gradientNorm
    }

    /// What went wrong. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// `quantity` became `value` (NaN or infinite) at the 0-based step `step`.
        case diverged(Quantity, value: Double, step: Int)
        /// What `what` describes (e.g. "the config") on `ranks` differs from rank 0's.
        case ranksDiffer(what: String, ranks: [Int])
        /// Rank `rank` sent `sent` parameters for its shard, `expected` were due.
        case shardSize(rank: Int, sent: Int, expected: Int)
        /// A sweep's metric has no value on the trial's validation split (`available` has).
        case metricUnavailable(metric: String, available: [String])
    }

    /// What went wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// Always `.userInput`: a restart cannot fix it.
    public var kind: FailureKind { .userInput }

    /// True when every rank of the job throws this error at the same point (it follows from
    /// values all ranks share: the allreduced loss, the validation metrics), so the ranks may
    /// still make collective calls together, e.g. to free a shared window.
    public var isOnEveryRank: Bool {
        switch reason {
        case .diverged, .metricUnavailable: true
        case .ranksDiffer, .shardSize: false
        }
    }

    public var description: String {
        switch reason {
        case .diverged(let quantity, let value, let step):
            let shown = value.isNaN ? "NaN" : "\(value)"
            let what = quantity == .loss ? "the loss became \(shown)" : "the gradient norm became \(shown)"
            return "\(what) at step \(step + 1); try a lower train.optimizer.lr, train.clip_grad_norm, or check the data for extreme values"
        case .ranksDiffer(let what, let ranks):
            return "\(what) on rank\(ranks.count > 1 ? "s" : "") \(ranks.map(String.init).joined(separator: ", ")) differs from rank 0's; every rank must see the same config file, --set overrides, data file and binary"
        case .shardSize(let rank, let sent, let expected):
            return "rank \(rank) sent \(sent) parameters for its shard, expected \(expected)"
        case .metricUnavailable(let metric, let available):
            return "the sweep's metric \(metric) has no value on this trial's validation split (it has \(available.joined(separator: ", "))); roc_auc needs a task with exactly two classes"
        }
    }

    /// Throws when the step's global loss or gradient norm (the same on every rank) diverged.
    static func requireFinite(loss: Double, gradNorm norm: Double, step: Int) throws {
        guard loss.isFinite, norm.isFinite else {
            throw TrainingError(loss.isFinite ? .diverged(.gradientNorm, value: norm, step: step) : .diverged(.loss, value: loss, step: step))
        }
    }
}

extension TrainingError.Reason {
    /// Equal reasons; a diverged NaN equals a diverged NaN (so tests can compare reasons).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.diverged(let q1, let v1, let s1), .diverged(let q2, let v2, let s2)):
            q1 == q2 && s1 == s2 && (v1 == v2 || (v1.isNaN && v2.isNaN))
        case (.ranksDiffer(let w1, let r1), .ranksDiffer(let w2, let r2)): w1 == w2 && r1 == r2
        case (.shardSize(let a1, let b1, let c1), .shardSize(let a2, let b2, let c2)): a1 == a2 && b1 == b2 && c1 == c2
        case (.metricUnavailable(let m1, let a1), .metricUnavailable(let m2, let a2)): m1 == m2 && a1 == a2
        default: false
        }
    }
}
