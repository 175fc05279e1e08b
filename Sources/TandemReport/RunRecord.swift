import Foundation
import TandemMetrics

/// Where a run stands, judged from the files in its directory.
public enum RunStatus: String, Sendable, CaseIterable {
    /// `summary.json` exists.
    case finished
    /// `failure.json` exists and there is no summary.
    case failed
    /// Checkpoints but neither summary nor failure: stopped by a signal or `--stop-at-step`; or
    /// a summary that says `stopped` (a sweep trial that ASHA did not promote).
    case stopped
    /// None of the above: still running, or killed before its first checkpoint.
    case incomplete = "running/incomplete"
}

/// The best value of a validation metric over a run's evaluations.
public struct BestMetric: Sendable, Equatable {
    /// The metric as the config names it, e.g. `val_accuracy`.
    public var name: String
    /// Its best value (highest or lowest, by `MetricName.direction`).
    public var value: Double
    /// The step of the evaluation that reached it (nil when taken from summary.json).
    public var step: Int?
}

/// One run, summarized for `tandem runs` and the report header.
public struct RunRecord: Sendable {
    /// The run name (summary.json, config.yaml, or the directory name).
    public var name: String
    /// The run directory.
    public var path: String
    /// The last component of `path` (what `tandem report runs/NAME` takes).
    public var directoryName: String { URL(fileURLWithPath: path).lastPathComponent }
    /// `directoryName`, followed by ` (name)` when the configured name differs.
    public var label: String { directoryName == name ? name : "\(directoryName) (\(name))" }
    /// finished | failed | stopped | running/incomplete.
    public var status: RunStatus
    /// `classification` | `regression`, when known.
    public var task: String?
    /// The best validation value of the early-stopping metric (else accuracy, or R² for regression).
    public var bestValidation: BestMetric?
    /// Epochs trained (summary.json, else the last epoch in metrics.jsonl).
    public var epochs: Int?
    /// Optimizer steps trained.
    public var steps: Int?
    /// Wall-clock seconds (finished runs only).
    public var wallSeconds: Double?
    /// `dp2 tp1 pp1` from summary.json or the newest checkpoint.
    public var layout: String?
    /// SHA-256 of the final parameters (finished runs only).
    public var paramsSHA256: String?
    /// The recorded error of a failed run.
    public var failure: String?
    /// The Slurm job id (with `+N` when it was requeued N times), from summary.json, else from
    /// slurm.json (written at the start, so unfinished runs show it too).
    public var slurmJob: String?

    /// Reads the run in `directory`; throws `ReportError` as `RunFiles.load` does.
    public static func load(directory: String) throws -> RunRecord {
        RunRecord(files: try RunFiles.load(directory: directory))
    }

    /// Summarizes already-read run files.
    public init(files: RunFiles) {
        name = files.name
        path = files.directory
        if let summary = files.summary {
            status = RunStatus(rawValue: summary.status ?? "finished") ?? .finished
        } else if files.failure != nil {
            status = .failed
        } else if !files.checkpointSteps.isEmpty {
            status = .stopped
        } else {
            status = .incomplete
        }
        task = files.task
        epochs = files.summary?.epochs ?? files.metrics?.lastEpoch
        steps = files.summary?.steps ?? files.metrics?.lastStep
        wallSeconds = files.summary?.wallSeconds
        layout = files.summary?.layoutText ?? files.checkpointLayout
        paramsSHA256 = files.summary?.paramsSHA256
        failure = files.failure
        let (jobID, restarts) = files.summary?.slurmJobID.map { ($0, files.summary?.slurmRestarts) } ?? (files.slurmJobID, files.slurmRestarts)
        slurmJob = jobID.map { id in (restarts ?? 0) > 0 ? "\(id)+\(restarts ?? 0)" : id }
        bestValidation = RunRecord.best(files)
    }

    /// The metric a run is judged by: the early-stopping metric when it is a `val_` one, else
    /// accuracy (classification) or r2 (regression).
    public static func primaryMetric(config: ConfigValues, task: String?) -> String {
        if let m = config["train.early_stopping.metric"], m.hasPrefix("val_") { return String(m.dropFirst(4)) }
        return task == "regression" ? "r2" : "accuracy"
    }

    private static func best(_ files: RunFiles) -> BestMetric? {
        let metric = primaryMetric(config: files.config, task: files.task)
        for name in [metric, "loss"] {
            let direction = MetricName.direction(of: name) ?? (name.contains("loss") ? .minimize : .maximize)
            let series = files.metrics?.series("validation", name) ?? []
            if let first = series.first {
                let top = series.dropFirst().reduce(first) { direction.isBetter($1.value, than: $0.value) ? $1 : $0 }
                return BestMetric(name: "val_" + name, value: top.value, step: top.step)
            }
            if let v = files.summary?.splits["validation"]?[name] { return BestMetric(name: "val_" + name, value: v, step: nil) }
        }
        return nil
    }
}
