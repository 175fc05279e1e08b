import Foundation
import Testing
import TandemMetrics
@testable import TandemTrain

@Suite struct RunDirectoryTests {
    let fm = FileManager.default

    func contents(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    @Test func createsNestedDirectories() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        let path = root.appendingPathComponent("a/b/run").path
        let run = try RunDirectory(path: path)
        var isDirectory: ObjCBool = false
        #expect(fm.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(run.url.path == URL(fileURLWithPath: path).path)
        #expect(try contents(run.url.appendingPathComponent("metrics.jsonl")) == "")
    }

    @Test func aNewRunRemovesTheStaleResultsOfAClaimedDirectoryButKeepsOtherFiles() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        _ = try RunDirectory(path: root.path)
        for name in ["summary.json", "failure.json", "metrics.jsonl", "params.safetensors", "notes.txt"] {
            try Data("old \(name)\n".utf8).write(to: root.appendingPathComponent(name))
        }
        try fm.createDirectory(at: root.appendingPathComponent("model"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: root.appendingPathComponent("model/model.json"))
        _ = try RunDirectory(path: root.path)
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("summary.json").path))
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("failure.json").path))
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("params.safetensors").path))
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("model").path))
        #expect(try contents(root.appendingPathComponent("metrics.jsonl")) == "", "metrics start empty")
        #expect(try contents(root.appendingPathComponent("notes.txt")) == "old notes.txt\n")
    }

    @Test func writeReplacesTheWholeFileAndLeavesNoTemporaries() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        let run = try RunDirectory(path: root.path)
        let long = String(repeating: "0123456789", count: 10_000)
        try run.write("summary.json", long)
        #expect(try contents(root.appendingPathComponent("summary.json")) == long)
        try run.write("summary.json", "{}\n")
        #expect(try contents(root.appendingPathComponent("summary.json")) == "{}\n", "a shorter write leaves no tail")
        try run.write("params.safetensors", Data([0, 1, 2, 255]))
        #expect(try Data(contentsOf: root.appendingPathComponent("params.safetensors")) == Data([0, 1, 2, 255]))
        let names = try fm.contentsOfDirectory(atPath: root.path).sorted()
        #expect(names == [".tandem", "metrics.jsonl", "params.safetensors", "summary.json"])
    }

    @Test func appendMetricsAddsOneLinePerObject() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        let run = try RunDirectory(path: root.path)
        try run.appendMetrics(.object([("step", .int(1)), ("split", .string("train")), ("loss", .number(0.5))]))
        try run.appendMetrics(.object([("step", .int(2)), ("split", .string("validation")), ("loss", .number(0.25))]))
        let lines = try contents(root.appendingPathComponent("metrics.jsonl")).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines[2].isEmpty, "two newline-terminated lines: \(lines)")
        for (i, line) in lines.prefix(2).enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["step"] as? Int == i + 1)
        }
        #expect(lines[1].contains("\"validation\""))
    }

    @Test func recordFailureWritesFailureJSON() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        let run = try RunDirectory(path: root.path)
        run.recordFailure(rank: 3, message: "loss became nan")
        let data = try Data(contentsOf: root.appendingPathComponent("failure.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["status"] as? String == "failed")
        #expect(object["rank"] as? Int == 3)
        #expect(object["error"] as? String == "loss became nan")
    }

    @Test func parentThatIsAFileIsAnErrorNamingThePath() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        let file = root.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        let path = file.appendingPathComponent("run").path
        do {
            _ = try RunDirectory(path: path)
            Issue.record("a run directory under a regular file was created")
        } catch let error as OutputDirectoryError {
            #expect(error.description.contains(path), "\(error)")
        }
    }

    @Test func writeIntoAMissingSubdirectoryIsAnErrorNamingThePath() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        let run = try RunDirectory(path: root.path)
        do {
            try run.write("missing/summary.json", "{}")
            Issue.record("write into a missing subdirectory succeeded")
        } catch let error as RunDirectoryError {
            #expect(error.description.contains("missing/summary.json"), "\(error)")
            guard case .cannotWrite(let path, _) = error.reason else { Issue.record("\(error.reason)"); return }
            #expect(path == root.appendingPathComponent("missing/summary.json").path)
        }
    }

    @Test(arguments: [(0, 0), (2, 2), (5, 3)])
    func resumingKeepsTheFirstMetricsLines(keep: Int, kept: Int) throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        try Data("{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n".utf8).write(to: root.appendingPathComponent("metrics.jsonl"))
        let run = try RunDirectory(path: root.path, keepMetricsLines: keep)
        #expect(run.metricsLines == kept)
        try run.appendMetrics(.object([("step", .int(9))]))
        #expect(run.metricsLines == kept + 1)
        let lines = try contents(root.appendingPathComponent("metrics.jsonl")).split(separator: "\n").map(String.init)
        #expect(lines == (0..<kept).map { "{\"step\":\($0 + 1)}" } + [#"{"step":9}"#])
    }
}
