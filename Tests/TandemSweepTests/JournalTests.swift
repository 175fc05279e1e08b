import Foundation
import Testing
import TandemMetrics
@testable import TandemSweep

@Suite struct JournalTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func gridState() throws -> SweepState {
        let c = try parseSweep(sweepYAML("strategy: grid\nparams:\n  train.optimizer.lr: {grid: [0.01, 0.1]}\n  train.batch_size: {choice: [8, 16]}"))
        let s = c.makeStrategy()
        return SweepState(trials: try s.trials(), strategy: s)
    }

    func outcome(_ status: TrialStatus, _ metric: Double?, error: String? = nil) -> TrialOutcome {
        TrialOutcome(status: status, epochs: 5, metric: metric, wallSeconds: 1.5, error: error,
                     validation: [("loss", 0.3), ("accuracy", metric ?? 0)], test: [("loss", 0.4)])
    }

    @Test func replayRebuildsTheStateAndRestartsRunningTrials() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var live = try gridState()
        let t = live.trials
        var events: [SweepEvent] = [.sweep(strategy: "grid", metric: "val_accuracy", trials: 4)]
        events += t.map { .created(trial: $0.id, params: $0.paramsJSON, seed: $0.seed, overrides: $0.paramOverrides) }
        events += [.started(trial: 0, group: 1, resume: false), .started(trial: 1, group: 2, resume: false),
                   .reported(trial: 0, epoch: 1, value: 0.8, goOn: true), .ended(trial: 0, outcome: outcome(.finished, 0.9)),
                   .started(trial: 2, group: 1, resume: false), .reported(trial: 1, epoch: 1, value: 0.7, goOn: true),
                   .ended(trial: 2, outcome: outcome(.failed, nil, error: "train.optimizer.lr: bad"))]
        let path = dir.appendingPathComponent("sweep.jsonl").path
        let journal = try Journal(path: path, truncate: true)
        try journal.append(events)
        for e in events { try live.apply(e) }

        var replayed = try gridState()
        for e in try Journal.read(path: path) { try replayed.apply(e) }
        #expect(replayed.records.map(\.status) == live.records.map(\.status))
        #expect(replayed.records.map(\.metric) == [0.9, 0.7, nil, nil])
        #expect(replayed.records[2].error == "train.optimizer.lr: bad")
        #expect(replayed.records[0].validation.map(\.0) == ["loss", "accuracy"])
        #expect(replayed.failures == 1)
        replayed.markRunningInterrupted()
        #expect(replayed.records[1].status == .pending)
        // The interrupted trial starts again first (from its checkpoint), then the untouched one.
        #expect(replayed.next()! == (1, true))
        try replayed.apply(.started(trial: 1, group: 1, resume: true))
        #expect(replayed.next()! == (3, false))
        try replayed.apply(.started(trial: 3, group: 2, resume: false))
        #expect(replayed.next() == nil)
        #expect(replayed.best(mode: .maximize) == 0)
    }

    @Test func aLastLineCutShortIsDroppedOtherDamageIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("sweep.jsonl").path
        let good = SweepEvent.started(trial: 0, group: 1, resume: false).json.rendered
        try Data("\(good)\n{\"event\":\"star".utf8).write(to: URL(fileURLWithPath: path))
        var warnings: [String] = []
        #expect(try Journal.read(path: path) { warnings.append($0) }.count == 1)
        #expect(warnings.first?.contains("sweep.jsonl:2: dropping a last line cut short") == true)
        try Data("\(good)\nnot json\n\(good)\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SweepError.self) { try Journal.read(path: path) }
        do { _ = try Journal.read(path: path) } catch let e as SweepError {
            #expect("\(e)".contains("sweep.jsonl:2: not a sweep event"))
            guard case .damagedJournal(path, 2, _) = e.reason else { Issue.record("\(e.reason)"); return }
            #expect(e.kind == .userInput, "a damaged journal is not fixed by a restart")
        }
    }

    /// Resuming after a cut-short line, then crashing and resuming again, must still read.
    @Test func appendingAfterACutShortLineStartsAFreshLine() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("sweep.jsonl").path
        let good = SweepEvent.started(trial: 0, group: 1, resume: false).json.rendered
        try Data("\(good)\n{\"event\":\"star".utf8).write(to: URL(fileURLWithPath: path))
        let journal = try Journal(path: path, truncate: false)
        try journal.append([.started(trial: 1, group: 2, resume: true)])
        let events = try Journal.read(path: path)
        #expect(events.count == 2)
        guard case .started(1, 2, true)? = events.last else { Issue.record("\(events)"); return }
    }

    /// A diverged trial's NaN metrics are written as null and read back without them.
    @Test func nonFiniteMetricsRoundTrip() throws {
        let o = TrialOutcome(status: .stopped, epochs: 3, metric: nil, wallSeconds: 1, error: nil,
                             validation: [("loss", .nan), ("accuracy", 0.5)], test: [("loss", .infinity)])
        let line = SweepEvent.ended(trial: 2, outcome: o).json.rendered
        let back = try SweepEvent(line: Data(line.utf8))
        guard case .ended(2, let r) = back else { Issue.record("\(back)"); return }
        #expect(r.status == .stopped && r.validation.map(\.0) == ["accuracy"] && r.test.isEmpty)
    }

    @Test func aJournalOfAnotherConfigIsRejected() throws {
        var s = try gridState()
        #expect(throws: SweepError.self) { try s.apply(.sweep(strategy: "grid", metric: "val_accuracy", trials: 5)) }
        #expect(throws: SweepError.self) { try s.apply(.created(trial: 0, params: .null, seed: s.trials[0].seed, overrides: ["train.optimizer.lr=0.5"])) }
        #expect(throws: SweepError(.journalMismatch(journal: nil, problem: "trial 9 does not exist in this sweep (it has \(s.trials.count) trials)"))) {
            try s.apply(.started(trial: 9, group: 1, resume: false))
        }
    }

    @Test func resultsFilesHaveOneRowPerEndedTrial() throws {
        var s = try gridState()
        try s.apply(.ended(trial: 1, outcome: outcome(.stopped, 0.75)))
        try s.apply(.ended(trial: 3, outcome: outcome(.failed, nil, error: "loss, diverged")))
        let c = try parseSweep(sweepYAML("strategy: grid\nmetric: val_accuracy\nparams:\n  train.optimizer.lr: {grid: [0.01, 0.1]}\n  train.batch_size: {choice: [8, 16]}"))
        let table = ResultsTable(config: c, state: s)
        let rows = table.csv.split(separator: "\n")
        #expect(rows.count == 3)
        #expect(rows[0] == "trial,status,train.optimizer.lr,train.batch_size,epochs,val_accuracy,wall_seconds,seed,error,val_loss,test_not_used_for_selection.loss")
        #expect(rows[1] == "1,stopped,0.01,16,5,0.75,1.500,\(s.trials[1].seed),,0.3,0.4")
        #expect(rows[2].hasSuffix(",\"loss, diverged\",0.3,0.4"))
        #expect(table.jsonLines.split(separator: "\n").count == 2)
        #expect(table.text.contains("0001   lr=0.01 batch_size=16  stopped"))
        #expect(table.counts == "0 finished, 1 stopped, 1 failed, 0 running, 2 pending")
    }
}
