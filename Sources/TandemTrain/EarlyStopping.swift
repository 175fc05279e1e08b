import TandemMetrics

/// Tracks the monitored metric across evaluations and says when to stop.
struct EarlyStopping {
    let config: EarlyStoppingConfig
    /// The monitored metric and its split, e.g. `accuracy` of `validation`.
    let metric: SplitMetric
    let direction: MetricDirection
    private(set) var best: Double?
    private(set) var bestEpoch = 0
    private(set) var sinceBest = 0

    /// Parses `config.metric` (`val_<name>` / `train_<name>`); throws a `ConfigError` for an
    /// unknown metric or one the task does not have.
    init(_ config: EarlyStoppingConfig, taskMetrics: [String]) throws {
        self.config = config
        guard let parsed = SplitMetric(qualified: config.metric), taskMetrics.contains(parsed.name), let dir = parsed.direction else {
            throw ConfigError("train.early_stopping.metric: '\(config.metric)' is not a metric of this task; use val_ or train_ with one of \(taskMetrics.joined(separator: ", "))", keyPath: "train.early_stopping.metric")
        }
        metric = parsed
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
