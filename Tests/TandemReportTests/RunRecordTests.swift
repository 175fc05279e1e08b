import Foundation
import Testing
@testable import TandemReport

@Suite struct RunRecordTests {
    @Test func finishedRun() throws {
        let parent = try temporaryDirectory("runs")
        let dir = try RunFixture.finishedClassification(in: parent, name: "a")
        let r = try RunRecord.load(directory: dir)
        #expect(r.name == "fixture" && r.label == "a (fixture)")
        #expect(r.status == .finished)
        #expect(r.task == "classification")
        #expect(r.bestValidation == BestMetric(name: "val_accuracy", value: 0.8, step: 60))
        #expect(r.epochs == 6 && r.steps == 60)
        #expect(r.wallSeconds == 75.5)
        #expect(r.layout == "dp2 tp1 pp1")
        #expect(r.paramsSHA256 == "abc123")
    }

    @Test func bestValidationFollowsTheMetricDirection() throws {
        let parent = try temporaryDirectory("runs")
        let dir = try RunFixture.finishedRegression(in: parent, predictions: false)
        // No early stopping: regression runs are judged by R², which peaks at 0.8 at step 20.
        #expect(try RunRecord.load(directory: dir).bestValidation == BestMetric(name: "val_r2", value: 0.8, step: 20))
        try writeFile(dir, "config.yaml", RunFixture.config(name: "regress", task: "regression", earlyStopping: "val_mae"))
        let best = try #require(try RunRecord.load(directory: dir).bestValidation)
        #expect(best.name == "val_mae" && best.step == 20 && abs(best.value - 0.225) < 1e-12)
    }

    @Test func failedStoppedAndIncompleteRuns() throws {
        let parent = try temporaryDirectory("runs")
        let failed = (parent as NSString).appendingPathComponent("failed")
        try writeFile(failed, "config.yaml", RunFixture.config(name: "failed", task: "classification", earlyStopping: nil))
        try writeFile(failed, "metrics.jsonl", RunFixture.classificationMetrics(epochs: 2))
        try writeFile(failed, "failure.json", "{\"status\": \"failed\", \"rank\": 1, \"error\": \"loss diverged at step 7\"}\n")
        try writeFile(failed, "checkpoints/step-10/manifest.json", "{}")
        let stopped = (parent as NSString).appendingPathComponent("stopped")
        try writeFile(stopped, "config.yaml", RunFixture.config(name: "stopped", task: "regression", earlyStopping: nil))
        try writeFile(stopped, "metrics.jsonl", RunFixture.classificationMetrics(epochs: 4))
        try writeFile(stopped, "checkpoints/step-20/manifest.json", "{\"layout\": {\"world\": 4, \"dp\": 4, \"tp\": 1, \"pp\": 1}}")
        try writeFile(stopped, "checkpoints/step-40/manifest.json", "{\"layout\": {\"world\": 2, \"dp\": 2, \"tp\": 1, \"pp\": 1}}")
        let running = (parent as NSString).appendingPathComponent("running")
        try writeFile(running, "config.yaml", RunFixture.config(name: "running", task: "classification", earlyStopping: nil))

        let f = try RunRecord.load(directory: failed)
        #expect(f.status == .failed)
        #expect(f.failure == "rank 1: loss diverged at step 7")
        #expect(f.epochs == 2)
        let s = try RunRecord.load(directory: stopped)
        #expect(s.status == .stopped)
        #expect(s.layout == "dp2 tp1 pp1", "from the newest checkpoint")
        #expect(s.task == "regression")
        #expect(s.wallSeconds == nil)
        let i = try RunRecord.load(directory: running)
        #expect(i.status == .incomplete && i.bestValidation == nil && i.epochs == nil)
        #expect(RunStatus.incomplete.rawValue == "running/incomplete")
    }

    @Test func listingIsSortedAlignedAndSkipsNonRuns() throws {
        let parent = try temporaryDirectory("runs")
        try RunFixture.finishedRegression(in: parent, name: "b-regress", predictions: false)
        try RunFixture.finishedClassification(in: parent, name: "a-class")
        try writeFile((parent as NSString).appendingPathComponent("c-stopped"), "config.yaml",
                      RunFixture.config(name: "c-stopped", task: "classification", earlyStopping: nil))
        try writeFile((parent as NSString).appendingPathComponent("c-stopped"), "checkpoints/step-5/manifest.json", "{}")
        try FileManager.default.createDirectory(atPath: (parent as NSString).appendingPathComponent("not-a-run/sub"), withIntermediateDirectories: true)
        try writeFile(parent, "README.txt", "hello")
        let listing = try RunListing.scan(directory: parent)
        #expect(listing.runs.map(\.directoryName) == ["a-class", "b-regress", "c-stopped"])
        #expect(listing.problems.isEmpty)
        let lines = listing.table().split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("NAME") && lines[0].contains("BEST VALIDATION") && lines[0].hasSuffix("LAYOUT"))
        #expect(lines[1].contains("a-class (fixture)") && lines[1].contains("val_accuracy 0.8000") && lines[1].contains("0:01:16"))
        #expect(lines[2].contains("finished") && lines[2].contains("regression") && lines[2].contains("val_r2 0.8000"))
        #expect(lines[3].contains("stopped"))
        // Columns line up: every row has its status where the header has STATUS.
        let column = lines[0].distance(from: lines[0].startIndex, to: lines[0].range(of: "STATUS")?.lowerBound ?? lines[0].endIndex)
        for line in lines.dropFirst() {
            let status = line.dropFirst(column).prefix { $0 != " " }
            #expect(RunStatus(rawValue: String(status)) != nil, "\(line)")
        }
    }

    @Test func brokenRunIsAProblemNotAFailure() throws {
        let parent = try temporaryDirectory("runs")
        try RunFixture.finishedClassification(in: parent, name: "good")
        try writeFile((parent as NSString).appendingPathComponent("bad"), "metrics.jsonl", "{\"step\":1,\"split\":\"train\"}\nnot json\n")
        let listing = try RunListing.scan(directory: parent)
        #expect(listing.runs.map(\.directoryName) == ["good"])
        #expect(listing.problems.count == 1)
        #expect(listing.problems.first?.contains("bad/metrics.jsonl line 2") == true)
    }

    @Test func emptyAndMissingDirectories() throws {
        let empty = try temporaryDirectory("runs")
        #expect(try RunListing.scan(directory: empty).table() == "no runs under \(empty)")
        let missing = (empty as NSString).appendingPathComponent("nope")
        #expect(throws: ReportError(.noSuchDirectory(missing))) { try RunListing.scan(directory: missing) }
        #expect(throws: ReportError.self) { try RunRecord.load(directory: empty) }
    }

    @Test func aRunDirectoryListsItself() throws {
        let parent = try temporaryDirectory("runs")
        let dir = try RunFixture.finishedClassification(in: parent, name: "only")
        #expect(try RunListing.scan(directory: dir).runs.count == 1)
    }
}
