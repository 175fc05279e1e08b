import Foundation
import TandemComm
import TandemMetrics
import TandemTrain
import Yams
#if canImport(Glibc)
import Glibc
#endif

/// World rank 0 of a sweep: hands trials to idle groups as they free up, answers their
/// per-epoch reports (continue or stop), journals every event before acting on it, and keeps
/// the results files up to date.
public final class Coordinator {
    let config: SweepConfig
    let world: Communicator
    /// Number of worker groups.
    let groups: Int
    let baseName: String
    var state: SweepState
    var journal: Journal?
    /// The same events in Optuna's journal format (`optuna.journal`, for optuna-dashboard).
    var optuna: OptunaJournal?
    let out: URL
    /// The world rank of each group's root, by group number.
    var groupOf: [Int: Int] = [:]
    /// Trials ended since this coordinator started (for the `TANDEM_SWEEP_FAULT` test hook).
    var endedHere = 0
    var interruptedBySignal = false
    var bestShown: Int?

    /// Prepares the output directory and the state: fresh (refusing to replace a sweep unless
    /// `overwrite`) or, with `resume`, replayed from `sweep.jsonl`. `optunaJournal` is where the
    /// Optuna journal goes (default `<output>/optuna.journal`).
    public init(config: SweepConfig, world: Communicator, groups: Int, resume: Bool, overwrite: Bool, optunaJournal: String? = nil) throws {
        self.config = config
        self.world = world
        self.groups = groups
        baseName = try ConfigLoader.load(path: config.base).name
        let strategy = config.makeStrategy()
        state = SweepState(trials: try strategy.trials(), strategy: strategy)
        out = URL(fileURLWithPath: config.outputDir, isDirectory: true)
        let fm = FileManager.default
        let journalPath = out.appendingPathComponent("sweep.jsonl").path
        let exists = fm.fileExists(atPath: journalPath)
        let owned = try OwnedDirectory(validating: config.outputDir, key: "output.dir")
        if resume && exists {
            try owned.claim(OwnedEntries.sweep, trusted: true)
            for event in try Journal.read(path: journalPath, warn: { Self.say("warning: \($0)") }) {
                // The strategy and metric decide which trials run and how they are judged: a
                // changed one would mix two sweeps' results.
                if case .sweep(let strategy, let metric, _) = event, strategy != config.strategy.rawValue || metric != config.metric {
                    throw SweepError(.journalMismatch(journal: journalPath, problem: "the journal's sweep is \(strategy) on \(metric), this config is \(config.strategy.rawValue) on \(config.metric); the sweep config changed since (start a new sweep with --overwrite or another output.dir)"))
                }
                do { try state.apply(event) } catch let e as SweepError {
                    guard case .journalMismatch(nil, let problem) = e.reason else { throw e }
                    throw SweepError(.journalMismatch(journal: journalPath, problem: problem))
                }
            }
            state.markRunningInterrupted()
            let done = state.records.filter { $0.status.isDone }.count
            Self.say("resuming the sweep in \(out.path): \(done) of \(state.trials.count) trials done, \(state.interrupted.count) to restart")
        } else {
            if exists && !overwrite {
                throw SweepError(.sweepExists(directory: out.path))
            }
            if resume { Self.say("no sweep journal in \(out.path); starting fresh") }
            // Only what a sweep wrote is removed; anything else in the way is an error naming it.
            try owned.claim(OwnedEntries.sweep)
            try owned.remove(OwnedEntries.sweep)
        }
        optuna = try OptunaJournal(path: optunaJournal ?? out.appendingPathComponent("optuna.journal").path, config: config,
                                   trials: state.trials, replaying: resume && exists ? journalPath : nil)
        let journal = try Journal(path: journalPath, truncate: !(resume && exists))
        self.journal = journal
        var header: [SweepEvent] = state.created == 0 ? [.sweep(strategy: config.strategy.rawValue, metric: config.metric, trials: state.trials.count)] : []
        header += state.trials[state.created...].map { .created(trial: $0.id, params: $0.paramsJSON, seed: $0.seed, overrides: $0.paramOverrides) }
        try record(header)
    }

    /// Appends `events` to the journal (fsynced), then applies them; returns the last answer.
    @discardableResult
    func record(_ events: [SweepEvent]) throws -> Bool {
        try journal?.append(events)
        try optuna?.append(events)
        var answer = true
        for e in events { answer = try state.apply(e) }
        return answer
    }

    /// Runs the sweep to the end: returns normally when every trial ended (or a signal stopped
    /// it after the running trials wrote checkpoints); throws when too many trials failed.
    public func run() throws {
        let grid = config.strategy == .grid ? "" : " (\(config.trials) draws)"
        Self.say("sweep: \(config.strategy.rawValue), \(state.trials.count) trials\(grid) on \(groups) group\(groups == 1 ? "" : "s") of \(config.groupSize) rank\(config.groupSize == 1 ? "" : "s") | \(config.metric) (\(config.mode == .maximize ? "max" : "min")) | base \(config.base) | output \(out.path)")
        var active = groups
        // Every group's root says `ready` right after start-up: one that does not is hung, and
        // the watchdog names its rank (later waits last a trial, which has its own watchdog).
        var silent = Set((0..<groups).map { 1 + $0 * config.groupSize })
        func watchSilent() {
            guard !silent.isEmpty else { world.watchdog?.leave(); return }
            world.watchdog?.enter("'ready' from the sweep group root(s) at world rank \(silent.sorted().map(String.init).joined(separator: ", "))", step: 0)
        }
        watchSilent()
        while active > 0 {
            let (source, bytes) = try world.receive(tag: SweepMessage.toCoordinator, pollInterval: 0.002)
            let m = try SweepMessage(bytes: bytes, from: source)
            switch m.kind {
            case .ready:
                groupOf[source] = m.group ?? groupOf.count + 1
                if silent.remove(source) != nil { watchSilent() }
                if try !assign(to: source) { active -= 1 }
            case .report:
                guard let t = m.trial, let epoch = m.epoch else { throw SweepError(.badMessage(rank: source, .reportWithoutTrialAndEpoch)) }
                // Decide on a copy, journal the decision, then apply it (which decides the same).
                var probe = state.strategy
                let goOn = probe.report(trial: t, epoch: epoch, value: m.value)
                try record([.reported(trial: t, epoch: epoch, value: m.value, goOn: goOn)])
                var reply = SweepMessage(.decision, trial: t)
                reply.goOn = goOn
                try world.send(bytes: reply.bytes, to: source, tag: SweepMessage.toWorker)
                if !goOn { Self.say("trial \(state.trials[t].name) stopped after epoch \(epoch): \(config.metric) \(Self.format(m.value)) is not in the top 1/\(config.asha?.reduction ?? 1) of its rung") }
                show()
            case .result:
                guard let t = m.trial else { throw SweepError(.badMessage(rank: source, .resultWithoutTrial)) }
                if m.status == "interrupted" {
                    interruptedBySignal = true
                    active -= 1
                    Self.say("trial \(state.trials[t].name) interrupted by a signal after writing a checkpoint")
                    continue
                }
                try end(trial: t, message: m)
                if try !assign(to: source) { active -= 1 }
            case .assign, .decision, .shutdown:
                throw SweepError(.badMessage(rank: source, .coordinatorOnly(kind: m.kind.rawValue)))
            }
        }
        try writeResults(final: true)
        FileHandle.standardOutput.write(Data((ResultsTable(config: config, state: state).text + "\n").utf8))
        if interruptedBySignal || StopSignal.shared.signal != nil {
            Self.say("sweep stopped by a signal (\(ResultsTable(config: config, state: state).counts)); continue with --resume")
        } else {
            Self.say("sweep done: \(ResultsTable(config: config, state: state).counts)")
        }
        if let b = state.best(mode: config.mode) {
            Self.say("best: trial \(state.trials[b].name) \(config.metric) \(Self.format(state.records[b].metric)) | \(state.trials[b].shortParams) | \(out.appendingPathComponent("best.json").path)")
        }
    }

    /// The overrides that make trial `t`'s training config.
    func overrides(_ t: Int) -> [String] {
        let trial = state.trials[t]
        let dir = out.appendingPathComponent("trials").appendingPathComponent(trial.name).path
        let seeded = trial.params.contains { $0.key == "train.seed" }
        return trial.paramOverrides + state.strategy.trialOverrides + (seeded ? [] : ["train.seed=\(trial.seed)"])
            + ["output.dir=\(JSONValue.string(dir).rendered)", "name=\(JSONValue.string("\(baseName)-trial-\(trial.name)").rendered)"]
    }

    /// Sends the next trial to the root at `rank`, or shutdown when none is left (or a signal
    /// came); returns whether it sent a trial.
    func assign(to rank: Int) throws -> Bool {
        guard StopSignal.shared.signal == nil, let (t, resume) = state.next() else {
            try world.send(bytes: SweepMessage(.shutdown).bytes, to: rank, tag: SweepMessage.toWorker)
            return false
        }
        let group = groupOf[rank] ?? 0
        try record([.started(trial: t, group: group, resume: resume)])
        var m = SweepMessage(.assign, trial: t)
        m.base = config.base
        m.overrides = overrides(t)
        m.resume = resume
        m.metric = config.metricKey
        try world.send(bytes: m.bytes, to: rank, tag: SweepMessage.toWorker)
        Self.say("trial \(state.trials[t].name) \(resume ? "restarted" : "started") on group \(group): \(state.trials[t].shortParams)")
        show()
        return true
    }

    /// Records the end of trial `t`, updates the results, and applies `search.max_failures`.
    func end(trial t: Int, message m: SweepMessage) throws {
        let status: TrialStatus = m.status == "failed" ? .failed : state.records[t].stopRequested ? .stopped : .finished
        let outcome = TrialOutcome(status: status, epochs: m.epochs ?? state.records[t].epochs, metric: m.value,
                                   wallSeconds: m.wallSeconds ?? 0, error: m.error,
                                   validation: (m.validation ?? []).map { ($0.name, $0.value) }, test: (m.test ?? []).map { ($0.name, $0.value) })
        try record([.ended(trial: t, outcome: outcome)])
        endedHere += 1
        let best = state.best(mode: config.mode)
        let bestText = best.map { "best \(Self.format(state.records[$0].metric)) (trial \(state.trials[$0].name))" } ?? "no best yet"
        let what = status == .failed ? "failed after \(outcome.epochs) epochs: \(m.error ?? "")" : "\(status.rawValue) after \(outcome.epochs) epochs: \(config.metric) \(Self.format(m.value))"
        Self.say("trial \(state.trials[t].name) \(what) | \(bestText) | \(ResultsTable(config: config, state: state).counts)")
        try writeResults(final: false)
        show()
        SweepFault.afterTrialEnded(count: endedHere)
        if let limit = config.maxFailures, state.failures > limit {
            throw SweepError(.tooManyFailures(failures: state.failures, limit: limit, trial: state.trials[t].name, error: m.error ?? ""))
        }
    }

    /// With `--progress bar`, redraws the whole table in place after every event.
    func show() {
        guard ProgressStyle.current == .bar else { return }
        let table = ResultsTable(config: config, state: state)
        FileHandle.standardOutput.write(Data("\u{1B}[H\u{1B}[J\(table.text)\n\(table.counts)\n".utf8))
    }

    static func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }

    /// Prints a line (unless the live table is being redrawn).
    static func say(_ line: String) {
        guard ProgressStyle.current != .bar else { return }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
