import TandemMetrics

/// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
/// Tuning", 2020), in its stopping form: trials report after every epoch; rungs sit at
/// `minEpochs * reduction^k` (below `maxEpochs`); a trial reaching a rung goes on only when it
/// is in the top `1/reduction` of the values recorded at that rung so far (itself included;
/// `ceil(n / reduction)` of `n`), else it is stopped. Nothing waits for a rung to fill, so groups never
/// idle; early trials are judged against fewer peers.
public struct ASHA: Sendable {
    public let config: ASHAConfig
    public let mode: MetricDirection
    /// Rung milestones in epochs, ascending.
    public let rungs: [Int]
    /// Per rung: each trial's value there and the answer it got.
    private var recorded: [[Int: (value: Double, promoted: Bool)]]

    public init(config: ASHAConfig, mode: MetricDirection) {
        self.config = config
        self.mode = mode
        var r: [Int] = []
        var m = config.minEpochs
        while m < config.maxEpochs {
            r.append(m)
            m *= config.reduction
        }
        rungs = r
        recorded = Array(repeating: [:], count: r.count)
    }

    /// Records `trial`'s `value` after `epoch` and answers whether it goes on. Between rungs the
    /// answer is yes; a value that is not a finite number is the worst and is stopped. Reaching a rung again
    /// (a trial restarted after a crash) gives the answer it got the first time.
    public mutating func report(trial: Int, epoch: Int, value: Double?) -> Bool {
        guard let k = rungs.lastIndex(where: { $0 <= epoch }) else { return true }
        if let earlier = recorded[k][trial] { return earlier.promoted }
        let worst = mode == .maximize ? -Double.infinity : Double.infinity
        let v = value.flatMap { $0.isNaN ? nil : $0 } ?? worst
        let better = recorded[k].values.filter { mode.isBetter($0.value, than: v) }.count
        // The top 1/reduction of n values, rounded up: the first value at a rung always goes on.
        let n = recorded[k].count + 1
        let keep = (n + config.reduction - 1) / config.reduction
        let promoted = v.isFinite && better < keep
        recorded[k][trial] = (v, promoted)
        return promoted
    }

    /// How many trials have reached rung `k`, and how many of them went on.
    public func rungCounts(_ k: Int) -> (reached: Int, promoted: Int) {
        (recorded[k].count, recorded[k].values.filter(\.promoted).count)
    }
}
