import TandemMetrics

/// Tracks the monitored metric across evaluations and says when to stop.
struct EarlyStopping {
    let config: EarlyStoppingConfig
    /// `validation` or `train`.
    let split: String
    /// Metric name within the split, e.g. `accuracy`.
    let metric: String
    let direction: MetricDirection
    private(set) var best: Double?
    private(set) var bestEpoch = 0
    private(set) var sinceBest = 0

    /// Parses `config.metric` (`val_<name>` / `train_<name>`); throws a `ConfigError` for an
    /// unknown metric or one the task does not have.
    init(_ config: EarlyStoppingConfig, taskMetrics: [String]) throws {
        self.config = config
        let (prefix, name) = config.metric.hasPrefix("val_") ? ("validation", String(config.metric.dropFirst(4)))
                                                             : ("train", String(config.metric.dropFirst(6)))
        guard taskMetrics.contains(name), let dir = MetricName.direction(of: name) else {
            throw ConfigError("train.early_stopping.metric: '\(config.metric)' is not a metric of this task; use val_ or train_ with one of \(taskMetrics.joined(separator: ", "))")
        }
        split = prefix
        metric = name
        direction = dir
    }

    /// Records `value` at `epoch`; returns true when it is a new best.
    mutating func record(_ value: Double, epoch: Int) -> Bool {
        let improved: Bool
        if let b = best {
            improved = value.isFinite && (direction == .maximize ? value > b + config.minDelta : value < b - config.minDelta)
        } else {
            improved = value.isFinite
        }
        if improved { best = value; bestEpoch = epoch; sinceBest = 0 } else { sinceBest += 1 }
        return improved
    }

    /// Puts back the state saved in a checkpoint.
    mutating func restore(best: Double?, bestEpoch: Int, sinceBest: Int) {
        self.best = best
        self.bestEpoch = bestEpoch
        self.sinceBest = sinceBest
    }

    /// True once `patience` evaluations in a row brought no improvement.
    var shouldStop: Bool { sinceBest >= config.patience }
}
