import Foundation

/// The parts of `summary.json` that listings and reports show.
public struct RunSummary: Sendable {
    /// One row of the test split's per-class table.
    public struct ClassRow: Sendable, Equatable {
        /// The class label.
        public var label: String
        /// Precision, recall and F1 of this class.
        public var precision, recall, f1: Double?
        /// Rows of this class in the split.
        public var support: Int?
    }

    /// Run name, task (`classification` | `regression`) and status (`finished` unless it says otherwise).
    public var name, task, status: String?
    /// world, dp, tp, pp (nil entries when absent).
    public var world, dp, tp, pp: Int?
    /// Epochs and optimizer steps trained.
    public var epochs, steps: Int?
    /// Wall-clock seconds of the whole run, and training throughput.
    public var wallSeconds, samplesPerSecond: Double?
    /// SHA-256 of the final parameters and of the data.
    public var paramsSHA256, dataSHA256: String?
    /// Number of parameters.
    public var parameters: Int?
    /// Whether early stopping ended the run, and its best epoch.
    public var stoppedEarly: Bool?
    /// The best epoch by the early-stopping metric.
    public var bestEpoch: Int?
    /// Class labels in output order (classification).
    public var classes: [String]?
    /// Numeric metrics by split (`train`, `validation`, `test`) and name.
    public var splits: [String: [String: Double]] = [:]
    /// The test confusion matrix, rows = actual, columns = predicted.
    public var confusion: [[Int]]?
    /// Per-class metrics of the test split.
    public var perClass: [ClassRow] = []
    /// The Slurm job that produced the run (`slurm.job_id`), and how often it was requeued.
    public var slurmJobID: String?
    public var slurmRestarts: Int?

    /// Reads `summary.json` at `path`; throws `ReportError` naming the file when it is malformed.
    public static func load(path: String) throws -> RunSummary {
        try RunSummary(json: JSONReading.object(path: path), source: path)
    }

    /// Reads the fields from a parsed `summary.json` object; `source` names it in errors.
    init(json o: [String: Any], source: String) throws {
        name = JSONReading.string(o["name"])
        task = JSONReading.string(o["task"])
        status = JSONReading.string(o["status"])
        if let layout = o["layout"] as? [String: Any] {
            world = JSONReading.int(layout["world"]); dp = JSONReading.int(layout["dp"])
            tp = JSONReading.int(layout["tp"]); pp = JSONReading.int(layout["pp"])
        }
        epochs = JSONReading.int(o["epochs"])
        steps = JSONReading.int(o["steps"])
        wallSeconds = JSONReading.double(o["wall_seconds"])
        samplesPerSecond = JSONReading.double(o["samples_per_second"])
        paramsSHA256 = JSONReading.string(o["params_sha256"])
        dataSHA256 = JSONReading.string(o["data_sha256"])
        parameters = JSONReading.int(o["parameters"])
        stoppedEarly = JSONReading.bool(o["stopped_early"])
        bestEpoch = JSONReading.int(o["best_epoch"])
        if let slurm = o["slurm"] as? [String: Any] {
            slurmJobID = JSONReading.string(slurm["job_id"])
            slurmRestarts = JSONReading.int(slurm["restart_count"])
        }
        classes = (o["classes"] as? [Any])?.map { JSONReading.string($0) ?? "\($0)" }
        for split in ["train", "validation", "test"] {
            guard let s = o[split] as? [String: Any] else { continue }
            splits[split] = s.compactMapValues { JSONReading.double($0) }
        }
        let test = o["test"] as? [String: Any]
        if let rows = test?["confusion"] as? [Any] {
            let matrix = rows.map { ($0 as? [Any])?.compactMap { JSONReading.int($0) } ?? [] }
            guard matrix.allSatisfy({ $0.count == matrix.count }) else {
                throw ReportError("\(source): test.confusion is not a square matrix of integers")
            }
            confusion = matrix
        }
        for case let row as [String: Any] in test?["per_class"] as? [Any] ?? [] {
            perClass.append(ClassRow(label: JSONReading.string(row["label"]) ?? "?", precision: JSONReading.double(row["precision"]),
                                     recall: JSONReading.double(row["recall"]), f1: JSONReading.double(row["f1"]),
                                     support: JSONReading.int(row["support"])))
        }
    }

    /// `dp2 tp1 pp1`, or nil without a layout.
    public var layoutText: String? {
        guard let dp else { return nil }
        return "dp\(dp) tp\(tp ?? 1) pp\(pp ?? 1)"
    }
}
