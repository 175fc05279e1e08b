import Foundation
import Testing
@testable import TandemReport

@Suite struct MetricsLogTests {
    @Test func parsesSplitsInOrder() throws {
        let log = try MetricsLog.parse(RunFixture.classificationMetrics(epochs: 6), source: "m.jsonl")
        #expect(log.splits == ["train", "validation", "test"])
        #expect(log.entries(of: "train").count == 6)
        #expect(log.entries(of: "validation").count == 3)
        #expect(log.entries(of: "test").count == 1)
        #expect(log.series("validation", "accuracy").map(\.step) == [20, 40, 60])
        #expect(log.series("train", "accuracy").isEmpty)
        #expect(log.entries(of: "train").first?.values["lr"] == 0.01)
        #expect(log.entries(of: "train").first?.epoch == 1)
        #expect(log.lastEpoch == 6 && log.lastStep == 60)
    }

    @Test func nullValuesAreLeftOutAndBlankLinesSkipped() throws {
        let log = try MetricsLog.parse("{\"step\":1,\"split\":\"train\",\"loss\":null,\"lr\":0.1}\n\n", source: "m")
        #expect(log.entries(of: "train").first?.values == ["lr": 0.1])
    }

    @Test func malformedLinesCarryTheLineAndProblem() {
        let cases: [(String, ReportError.Reason)] = [
            ("{\"split\":\"train\",\"loss\":1}\n", .metricsLine(source: "m.jsonl", line: 1, .missingStep)),
            ("\n\n{\"step\":3,\"loss\":1}\n", .metricsLine(source: "m.jsonl", line: 3, .missingSplit)),
            ("{\"step\":1,\"split\":\"train\"}\n[1,2]\n", .metricsLine(source: "m.jsonl", line: 2, .notJSONObject(excerpt: "[1,2]"))),
        ]
        for (text, reason) in cases {
            #expect(throws: ReportError(reason)) { try MetricsLog.parse(text, source: "m.jsonl") }
        }
    }

    @Test func malformedLinesNameFileAndLine() {
        let cases = [
            ("{\"step\":1,\"split\":\"train\"}\n{\"step\":2,\"split\":\"tr\n", "m.jsonl line 2: not a valid JSON object"),
            ("{\"step\":1,\"split\":\"train\"}\n[1,2]\n", "m.jsonl line 2: not a valid JSON object"),
            ("{\"split\":\"train\",\"loss\":1}\n", "m.jsonl line 1: missing or non-integer \"step\""),
            ("\n\n{\"step\":3,\"loss\":1}\n", "m.jsonl line 3: missing or non-string \"split\""),
        ]
        for (text, message) in cases {
            do {
                _ = try MetricsLog.parse(text, source: "m.jsonl")
                Issue.record("\(text) must not parse")
            } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }

    @Test func configValuesByDottedPath() {
        let values = ConfigValues(yaml: RunFixture.config(name: "n", task: "regression", earlyStopping: "val_r2")
                                  + "extra: \"quoted: value\"  \nflow: {a: 1}\n")
        #expect(values["name"] == "n")
        #expect(values["data.task"] == "regression")
        #expect(values["data.split.test"] == "2e-1")
        #expect(values["train.early_stopping.metric"] == "val_r2")
        #expect(values["train.eval_every"] == "2")
        #expect(values["output.dir"] == "runs/n")
        #expect(values["extra"] == "quoted: value")
        #expect(values["flow"] == nil && values["model.hidden"] == nil)
    }
}
