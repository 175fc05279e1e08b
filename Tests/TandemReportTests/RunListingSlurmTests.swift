import Foundation
import Testing
@testable import TandemReport

@Suite struct RunListingSlurmTests {
    /// A finished run of Slurm job 4711, requeued twice (the `slurm` object `tandem train` writes).
    static func slurmRun(in parent: String) throws {
        let dir = (parent as NSString).appendingPathComponent("from-slurm")
        try writeFile(dir, "config.yaml", RunFixture.config(name: "from-slurm", task: "regression", earlyStopping: nil))
        try writeFile(dir, "summary.json", """
        {"name": "from-slurm", "task": "regression", "status": "finished", "layout": {"world": 2, "dp": 2, "tp": 1, "pp": 1},
         "epochs": 4, "steps": 20, "wall_seconds": 3.2, "params_sha256": "def456",
         "slurm": {"job_id": "4711", "job_name": "train", "restart_count": 2, "node_list": "node[1-2]", "nodes": 2, "tasks": 2, "partition": "debug"},
         "validation": {"loss": 0.27, "r2": 0.8}}
        """)
    }

    @Test func summaryRecordsTheJob() throws {
        let parent = try temporaryDirectory("runs")
        try Self.slurmRun(in: parent)
        let r = try RunRecord.load(directory: (parent as NSString).appendingPathComponent("from-slurm"))
        #expect(r.slurmJob == "4711+2")
    }

    /// A run that failed (or is still running, or stopped) has no summary.json; the job comes
    /// from slurm.json, which tandem train writes when the run starts.
    @Test(arguments: ["failed", "running", "stopped"])
    func unfinishedRunShowsTheJobFromSlurmJSON(_ state: String) throws {
        let parent = try temporaryDirectory("runs")
        let dir = (parent as NSString).appendingPathComponent("unfinished")
        try writeFile(dir, "config.yaml", RunFixture.config(name: "unfinished", task: "regression", earlyStopping: nil))
        try writeFile(dir, "slurm.json", #"{"job_id": "815", "job_name": "train", "restart_count": 1, "node_list": "n1"}"#)
        switch state {
        case "failed": try writeFile(dir, "failure.json", #"{"status": "failed", "rank": 0, "error": "x"}"#)
        case "stopped": try writeFile((dir as NSString).appendingPathComponent("checkpoints/step-4"), "manifest.json", "{}")
        default: break
        }
        let r = try RunRecord.load(directory: dir)
        #expect(r.slurmJob == "815+1")
        #expect(r.status.rawValue.hasPrefix(state))
        #expect(try RunListing.scan(directory: parent).table().split(separator: "\n").last?.hasSuffix("815+1") == true)
    }

    @Test func listingShowsTheJobColumnOnlyWhenARunHasOne() throws {
        let parent = try temporaryDirectory("runs")
        try RunFixture.finishedClassification(in: parent, name: "a-class")
        #expect(!(try RunListing.scan(directory: parent).table().contains("SLURM JOB")))
        try Self.slurmRun(in: parent)
        let lines = try RunListing.scan(directory: parent).table().split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("SLURM JOB"))
        #expect(lines[1].hasPrefix("a-class") && lines[1].hasSuffix("-"))
        #expect(lines[2].hasPrefix("from-slurm") && lines[2].hasSuffix("4711+2"))
    }
}
