import Foundation
import Testing
import TandemMetrics
@testable import TandemSweep

@Suite struct OptunaJournalTests {
    /// The operations of `lines` as JSON objects.
    func parse(_ lines: [String]) throws -> [[String: Any]] {
        try lines.map { line in
            #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil, "one operation per line")
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    func operations() throws -> (OptunaOperations, [TrialSpec]) {
        let c = try parseSweep(sweepYAML("""
        strategy: random
        trials: 2
        metric: val_accuracy
        params:
          train.optimizer.lr: {loguniform: [0.001, 0.1]}
          train.batch_size: {int: [8, 32]}
          model.hidden: {choice: [[8], [16, 8]]}
          train.optimizer.name: {grid: [adam, sgd]}
        """))
        let trials = try c.makeStrategy().trials()
        return (OptunaOperations(config: c, trials: trials), trials)
    }

    @Test func studyAndTrialsCarryDirectionParamsAndDistributions() throws {
        let (ops, trials) = try operations()
        let study = try parse(ops.lines(for: .sweep(strategy: "random", metric: "val_accuracy", trials: trials.count), at: Date()))
        #expect(study[0]["op_code"] as? Int == 0 && study[0]["directions"] as? [Int] == [2], "maximize")
        let t = trials[1]
        let created = try parse(ops.lines(for: .created(trial: 1, params: t.paramsJSON, seed: t.seed, overrides: t.paramOverrides), at: Date()))
        #expect(created.count == 1 && created[0]["op_code"] as? Int == 4 && created[0]["state"] as? Int == 4, "CREATE_TRIAL, WAITING")
        let distributions = try #require(created[0]["distributions"] as? [String: String])
        let params = try #require(created[0]["params"] as? [String: Double])
        func distribution(_ key: String) throws -> [String: Any] {
            let text = try #require(distributions[key])
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        let lrDistribution = try distribution("train.optimizer.lr")
        #expect(lrDistribution["name"] as? String == "FloatDistribution")
        #expect((lrDistribution["attributes"] as? [String: Any])?["log"] as? Bool == true)
        #expect(try distribution("train.batch_size")["name"] as? String == "IntDistribution")
        let hidden = try distribution("model.hidden")
        #expect((hidden["attributes"] as? [String: Any])?["choices"] as? [String] == ["[8]", "[16,8]"], "list choices as their JSON text")
        // Categorical values are stored as the index of the choice; the others as the value.
        let h = try #require(t.params.first { $0.key == "model.hidden" }).value.rendered
        #expect(params["model.hidden"] == (h == "[8]" ? 0 : 1))
        // Floats as the exact shortest text (JSONSerialization itself does not round-trip every double).
        let lr = try #require(t.params.first { $0.key == "train.optimizer.lr" }).value
        #expect(ops.lines(for: .created(trial: 1, params: t.paramsJSON, seed: t.seed, overrides: t.paramOverrides), at: Date())[0]
            .contains("\"train.optimizer.lr\":\(lr.rendered)"))
        #expect(abs((params["train.optimizer.lr"] ?? 0) - (lr.doubleValue ?? 1)) < 1e-15)
    }

    @Test func endsMapToCompletePrunedAndFail() throws {
        let (ops, _) = try operations()
        func end(_ status: TrialStatus, _ metric: Double?, _ error: String? = nil) throws -> [[String: Any]] {
            try parse(ops.lines(for: .ended(trial: 0, outcome: TrialOutcome(status: status, epochs: 3, metric: metric, wallSeconds: 1,
                                                                             error: error, validation: [], test: [])), at: Date()))
        }
        let finished = try end(.finished, 0.9).last
        #expect(finished?["state"] as? Int == 1 && finished?["values"] as? [Double] == [0.9])
        let stopped = try end(.stopped, 0.5).last
        #expect(stopped?["state"] as? Int == 2 && stopped?["values"] as? [Double] == [0.5], "ASHA-stopped trials are PRUNED with their value")
        let failed = try end(.failed, nil, "loss diverged")
        #expect(failed.last?["state"] as? Int == 3 && failed.last?["values"] is NSNull)
        #expect((failed.first?["user_attr"] as? [String: String])?["error"] == "loss diverged", "the error before the state change (finished trials are frozen)")
        #expect(try end(.finished, .nan).last?["state"] as? Int == 3, "a finished trial without a finite value cannot be COMPLETE")
    }

    @Test func reportsRestartsAndTimes() throws {
        let (ops, _) = try operations()
        let report = try parse(ops.lines(for: .reported(trial: 1, epoch: 3, value: 0.75, goOn: true), at: Date()))
        #expect(report.first?["op_code"] as? Int == 7 && report.first?["step"] as? Int == 3 && report.first?["intermediate_value"] as? Double == 0.75)
        #expect(ops.lines(for: .reported(trial: 1, epoch: 4, value: .nan, goOn: true), at: Date()).isEmpty, "NaN is not JSON")
        #expect(ops.lines(for: .started(trial: 1, group: 1, resume: true), at: Date()).isEmpty, "a restarted trial is already RUNNING")
        let start = try parse(ops.lines(for: .started(trial: 1, group: 1, resume: false), at: Date(timeIntervalSince1970: 1_700_000_000.25)))
        #expect(start.first?["datetime_start"] as? String == "2023-11-14T22:13:20.250000+00:00")
    }

    @Test func resumeRebuildsFromTheSweepJournalAndAnUnwritablePathIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-optuna-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (ops, trials) = try operations()
        let sweepPath = dir.appendingPathComponent("sweep.jsonl").path
        let events: [SweepEvent] = [.sweep(strategy: "random", metric: "val_accuracy", trials: trials.count)]
            + trials.map { .created(trial: $0.id, params: $0.paramsJSON, seed: $0.seed, overrides: $0.paramOverrides) }
            + [.started(trial: 0, group: 1, resume: false)]
        try Journal(path: sweepPath, truncate: true).append(events)
        let path = dir.appendingPathComponent("optuna.journal").path
        _ = try OptunaJournal(path: path, config: ops.config, trials: trials, replaying: sweepPath)
        let data = try #require(FileManager.default.contents(atPath: path))
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3 + trials.count + 1, "study (3 operations), one CREATE_TRIAL per trial, RUNNING")
        let blocked = dir.appendingPathComponent("file").path
        #expect(FileManager.default.createFile(atPath: blocked, contents: Data()))
        do {
            _ = try OptunaJournal(path: blocked + "/optuna.journal", config: ops.config, trials: trials, replaying: nil)
            Issue.record("an Optuna journal under a file was written")
        } catch let e as SweepError {
            guard case .cannotWrite(.writeOptunaJournal, let p, _) = e.reason else { Issue.record("\(e.reason)"); return }
            #expect(p == blocked + "/optuna.journal" && e.kind == .environment && e.kind.exitCode == 1)
        }
    }
}
