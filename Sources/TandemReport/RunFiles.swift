import Foundation
import TandemMetrics

/// What a run directory holds, read once: `summary.json`, `metrics.jsonl`, `config.yaml`,
/// `failure.json` and the checkpoint list. Missing files are nil; malformed ones are errors.
public struct RunFiles: Sendable {
    /// The run directory as given.
    public let directory: String
    /// The parsed `summary.json` (only finished runs have one).
    public let summary: RunSummary?
    /// The parsed `metrics.jsonl`.
    public let metrics: MetricsLog?
    /// The text of `config.yaml`.
    public let configText: String?
    /// Scalar values of `config.yaml` by dotted path.
    public let config: ConfigValues
    /// The error recorded in `failure.json` (the whole file's text when it has no `error`).
    public let failure: String?
    /// Steps of the checkpoints under `checkpoints/step-N/`, ascending.
    public let checkpointSteps: [Int]
    /// `dp tp pp` of the newest checkpoint's manifest (for runs without a summary).
    public let checkpointLayout: String?
    /// The Slurm job of the latest start (`slurm.json`, written when a run starts under Slurm,
    /// so running, failed and stopped runs have it too) and how often it was requeued.
    public let slurmJobID: String?
    public let slurmRestarts: Int?

    /// Files whose presence makes a directory a run.
    public static let markers = ["summary.json", "metrics.jsonl", "config.yaml", "failure.json"]

    /// Whether `directory` exists and holds any of `markers`.
    public static func isRun(directory: String) -> Bool {
        markers.contains { FileManager.default.fileExists(atPath: file(directory, $0)) }
    }

    /// Reads the run in `directory`. Throws `ReportError` when the directory does not exist, is
    /// not a run, or a file in it is malformed (naming the file, and the line for metrics.jsonl).
    public static func load(directory: String) throws -> RunFiles {
        try RunFiles(directory: directory)
    }

    private init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ReportError(.noSuchDirectory(directory))
        }
        guard isDirectory.boolValue else { throw ReportError(.notADirectory(directory)) }
        guard RunFiles.isRun(directory: directory) else {
            throw ReportError(.notARunDirectory(directory, markers: RunFiles.markers))
        }
        self.directory = directory
        let fm = FileManager.default
        let summaryPath = RunFiles.file(directory, "summary.json")
        summary = fm.fileExists(atPath: summaryPath) ? try RunSummary.load(path: summaryPath) : nil
        let metricsPath = RunFiles.file(directory, "metrics.jsonl")
        metrics = fm.fileExists(atPath: metricsPath) ? try MetricsLog.load(path: metricsPath) : nil
        configText = fm.contents(atPath: RunFiles.file(directory, "config.yaml")).map { String(decoding: $0, as: UTF8.self) }
        config = ConfigValues(yaml: configText ?? "")
        failure = RunFiles.readFailure(RunFiles.file(directory, "failure.json"))
        let checkpoints = RunFiles.file(directory, "checkpoints")
        checkpointSteps = ((try? fm.contentsOfDirectory(atPath: checkpoints)) ?? [])
            .compactMap { $0.hasPrefix("step-") ? Int($0.dropFirst(5)) : nil }
            .sorted()
        checkpointLayout = checkpointSteps.last.flatMap { step in
            let manifest = RunFiles.file(RunFiles.file(checkpoints, "step-\(step)"), "manifest.json")
            guard let l = (try? JSONReading.object(path: manifest))?[member: "layout"], let dp = l[member: "dp"]?.intValue else { return nil }
            return "dp\(dp) tp\(l[member: "tp"]?.intValue ?? 1) pp\(l[member: "pp"]?.intValue ?? 1)"
        }
        let slurm = try? JSONReading.object(path: RunFiles.file(directory, "slurm.json"))
        slurmJobID = slurm?[member: "job_id"]?.stringValue
        slurmRestarts = slurm?[member: "restart_count"]?.intValue
    }

    /// The run's name: from summary.json, else config.yaml, else the directory's last component.
    public var name: String {
        summary?.name ?? config["name"] ?? URL(fileURLWithPath: directory).lastPathComponent
    }

    /// The task: from summary.json, else config.yaml (`data.task`).
    public var task: String? { summary?.task ?? config["data.task"] }

    /// `directory/name`.
    static func file(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    private static func readFailure(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        if let o = try? JSONReading.object(data, source: path), let error = o[member: "error"]?.stringValue {
            if let rank = o[member: "rank"]?.intValue { return "rank \(rank): \(error)" }
            return error
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
