import Foundation
import Testing
@testable import TandemTrain

/// Tandem removes only what it wrote (issue 18, finding 1): these failed before the fix, which
/// deleted `model/`, `summary.json`, ... from whatever directory `output.dir` named.
@Suite struct OwnedDirectoryTests {
    let fm = FileManager.default

    func write(_ text: String, _ url: URL) throws {
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    @Test(arguments: ["", "  ", ".", "./", "..", "../..", "/", "sub/.."])
    func theCurrentDirectoryItsParentsAndEmptyPathsAreRefused(path: String) throws {
        #expect(throws: OutputDirectoryError.self) { try OwnedDirectory(validating: path, key: "--output") }
    }

    @Test func theCurrentDirectoryByItsAbsolutePathIsRefusedAndNamesTheKey() throws {
        do {
            _ = try OwnedDirectory(validating: fm.currentDirectoryPath, key: "output.dir")
            Issue.record("the current directory was accepted")
        } catch let e as OutputDirectoryError {
            #expect(e.description.hasPrefix("output.dir '"), "\(e)")
            #expect(e.description.contains("current directory"), "\(e)")
        }
    }

    @Test func ordinaryPathsAreAccepted() throws {
        for path in ["runs/x", "runs/x/", "/tmp/tandem-somewhere", "a/../b"] {
            #expect(try OwnedDirectory(validating: path, key: "output.dir").path == path)
        }
    }

    @Test func anUnclaimedDirectoryWithAUsersModelFolderIsRefusedAndKeepsIt() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        try write("mine", root.appendingPathComponent("model/weights.bin"))
        try write("my summary", root.appendingPathComponent("summary.json"))
        do {
            _ = try RunDirectory(path: root.path)
            Issue.record("a directory holding the user's model/ was claimed")
        } catch let e as OutputDirectoryError {
            #expect(e.description.contains("summary.json is in the way"), "\(e)")
            #expect(e.description.contains("not created by tandem"), "\(e)")
        }
        #expect(try read(root.appendingPathComponent("model/weights.bin")) == "mine")
        #expect(try read(root.appendingPathComponent("summary.json")) == "my summary")
        #expect(!fm.fileExists(atPath: root.appendingPathComponent(".tandem").path), "a refusal claims nothing")
    }

    @Test func aUserFileInsideAClaimedModelFolderIsAnErrorAndNothingIsRemoved() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        _ = try RunDirectory(path: root.path)
        try write("{}", root.appendingPathComponent("model/model.json"))
        try write("mine", root.appendingPathComponent("model/notes.txt"))
        try write("{}", root.appendingPathComponent("summary.json"))
        do {
            _ = try RunDirectory(path: root.path)
            Issue.record("model/notes.txt was in the way and the run started")
        } catch let e as OutputDirectoryError {
            #expect(e.description.contains("model/notes.txt"), "\(e)")
        }
        #expect(try read(root.appendingPathComponent("model/notes.txt")) == "mine")
        #expect(fm.fileExists(atPath: root.appendingPathComponent("model/model.json").path), "checked before removing anything")
        #expect(fm.fileExists(atPath: root.appendingPathComponent("summary.json").path), "checked before removing anything")
    }

    @Test func checkpointsAreRemovedStepByStepAndAStrangerInsideIsNamed() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        let owned = try OwnedDirectory(validating: root.path, key: "output.dir")
        try owned.claim(OwnedEntries.run)
        for step in ["step-200", "step-400", "step-600.tmp"] {
            for f in ["tensors.safetensors", "manifest.json", "SHA256SUMS"] {
                try write(f, root.appendingPathComponent("checkpoints/\(step)/\(f)"))
            }
        }
        try write("mine", root.appendingPathComponent("checkpoints/step-x/keep"))
        #expect(throws: OutputDirectoryError.self) { try owned.remove([OwnedEntries.checkpoints]) }
        #expect(fm.fileExists(atPath: root.appendingPathComponent("checkpoints/step-200/manifest.json").path))
        try fm.removeItem(at: root.appendingPathComponent("checkpoints/step-x"))
        try owned.remove([OwnedEntries.checkpoints])
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("checkpoints").path))
    }

    @Test func removingFromAnUnclaimedDirectoryIsRefused() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        try write("{}", root.appendingPathComponent("summary.json"))
        let owned = try OwnedDirectory(validating: root.path, key: "output.dir")
        #expect(throws: OutputDirectoryError.self) { try owned.remove(OwnedEntries.run) }
        #expect(fm.fileExists(atPath: root.appendingPathComponent("summary.json").path))
    }

    @Test func aSweepRemovesOnlyClaimedTrialRuns() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        let sweep = try OwnedDirectory(validating: root.path, key: "output.dir")
        try sweep.claim(OwnedEntries.sweep)
        let trial = root.appendingPathComponent("trials/t0")
        _ = try RunDirectory(path: trial.path)
        try write("{}", trial.appendingPathComponent("summary.json"))
        try write("x", root.appendingPathComponent("results.csv"))
        try sweep.remove(OwnedEntries.sweep)
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("trials").path))
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("results.csv").path))
        // A trial folder tandem did not create stops the removal, naming it.
        try write("mine", root.appendingPathComponent("trials/mine/data.csv"))
        do {
            try sweep.remove(OwnedEntries.sweep)
            Issue.record("a user's folder under trials/ was removed")
        } catch let e as OutputDirectoryError {
            #expect(e.description.contains("trials/mine"), "\(e)")
        }
        #expect(fm.fileExists(atPath: root.appendingPathComponent("trials/mine/data.csv").path))
    }

    @Test func failureIsRecordedOnlyInADirectoryThisProcessClaimed() throws {
        let root = try temporaryDirectory()
        defer { try? fm.removeItem(at: root) }
        try write("{}", root.appendingPathComponent("summary.json"))
        RunDirectory.recordFailure(in: root.path, rank: 0, message: "boom")
        #expect(!fm.fileExists(atPath: root.appendingPathComponent("failure.json").path), "an unclaimed run keeps its state")
        let claimed = root.appendingPathComponent("run")
        _ = try RunDirectory(path: claimed.path)
        RunDirectory.recordFailure(in: claimed.path, rank: 0, message: "boom")
        #expect(fm.fileExists(atPath: claimed.appendingPathComponent("failure.json").path))
    }

    @Test(arguments: [".", ".."])
    func aRunNameThatLeavesRunsIsAConfigError(name: String) throws {
        let yaml = "name: '\(name)'\ndata: {path: x.csv, target: y, task: regression}\n"
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml, source: "job.yaml") }
    }
}
