import TandemMetrics

/// What the coordinator knows: every trial's record and which trial runs next. Changed only by
/// applying journal events, so replaying `sweep.jsonl` rebuilds it exactly.
public struct SweepState: Sendable {
    public let trials: [TrialSpec]
    public private(set) var records: [TrialRecord]
    public private(set) var strategy: any SweepStrategy
    /// Trials that were running when the previous coordinator stopped: they start again first,
    /// from their newest checkpoint.
    public private(set) var interrupted: [Int] = []
    public private(set) var failures = 0
    /// Trials created in the journal (a resumed sweep checks them against `trials`).
    public private(set) var created = 0

    public init(trials: [TrialSpec], strategy: any SweepStrategy) {
        self.trials = trials
        self.strategy = strategy
        records = Array(repeating: TrialRecord(), count: trials.count)
    }

    /// Applies `event`, returning the strategy's answer for `.reported` (true otherwise). Throws
    /// when the event does not fit the trials (a journal of another sweep config).
    @discardableResult
    public mutating func apply(_ event: SweepEvent) throws -> Bool {
        func check(_ t: Int) throws {
            guard trials.indices.contains(t) else { throw SweepError(.journalMismatch(journal: nil, problem: "trial \(t) does not exist in this sweep (it has \(trials.count) trials)")) }
        }
        switch event {
        case .sweep(let strategy, _, let n):
            guard n == trials.count else {
                throw SweepError(.journalMismatch(journal: nil, problem: "the journal's sweep has \(n) trials (strategy \(strategy)), this config makes \(trials.count); the sweep config changed since"))
            }
        case .created(let t, _, let seed, let overrides):
            try check(t)
            guard overrides == trials[t].paramOverrides, seed == trials[t].seed else {
                throw SweepError(.journalMismatch(journal: nil, problem: "trial \(t) was created with \(overrides.joined(separator: " ")) (seed \(seed)), but this config makes \(trials[t].paramOverrides.joined(separator: " ")) (seed \(trials[t].seed)); the sweep config changed since"))
            }
            created = max(created, t + 1)
        case .started(let t, let g, _):
            try check(t)
            records[t].status = .running
            records[t].group = g
            interrupted.removeAll { $0 == t }
        case .reported(let t, let epoch, let value, _):
            try check(t)
            records[t].epochs = epoch
            records[t].metric = value
            let goOn = strategy.report(trial: t, epoch: epoch, value: value)
            if !goOn { records[t].stopRequested = true }
            return goOn
        case .ended(let t, let o):
            try check(t)
            records[t].status = o.status
            records[t].epochs = o.epochs
            records[t].metric = o.metric
            records[t].wallSeconds = o.wallSeconds
            records[t].error = o.error
            records[t].validation = o.validation
            records[t].test = o.test
            records[t].group = nil
            if o.status == .failed { failures += 1 }
        }
        return true
    }

    /// After replaying a journal: trials left running become pending, to start again first.
    public mutating func markRunningInterrupted() {
        for i in records.indices where records[i].status == .running {
            records[i].status = .pending
            records[i].group = nil
            interrupted.append(i)
        }
    }

    /// The next trial to hand out and whether it resumes from a checkpoint; nil when none is left.
    public func next() -> (trial: Int, resume: Bool)? {
        if let t = interrupted.first { return (t, true) }
        return records.firstIndex { $0.status == .pending }.map { ($0, false) }
    }

    /// Trials still pending or running.
    public var remaining: Int { records.filter { !$0.status.isDone }.count }

    /// The best trial with a finite metric under `mode`. Ties on the metric (common on small
    /// validation splits, where many trials reach accuracy 1.0) go to the lower validation loss,
    /// then to fewer epochs, then to the lower trial id.
    public func best(mode: MetricDirection) -> Int? {
        var best: Int?
        for (i, r) in records.enumerated() where r.status.isDone && r.status != .failed {
            guard let m = r.metric, m.isFinite else { continue }
            if let b = best, !isBetter(i, than: b, mode: mode) { continue }
            best = i
        }
        return best
    }

    /// Whether trial `a` ranks above trial `b` (both with a finite metric) by `best`'s order.
    func isBetter(_ a: Int, than b: Int, mode: MetricDirection) -> Bool {
        let ra = records[a], rb = records[b]
        guard let ma = ra.metric, let mb = rb.metric else { return false }
        if ma != mb { return mode.isBetter(ma, than: mb) }
        let la = ra.validationLoss ?? .infinity, lb = rb.validationLoss ?? .infinity
        if la != lb { return la < lb }
        if ra.epochs != rb.epochs { return ra.epochs < rb.epochs }
        return a < b
    }
}
