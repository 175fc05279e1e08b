import Foundation
import TandemMetrics

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
    init(json o: JSONValue, source: String) throws {
        name = o[member: "name"]?.stringValue
        task = o[member: "task"]?.stringValue
        status = o[member: "status"]?.stringValue
        if let layout = o[member: "layout"] {
            world = layout[member: "world"]?.intValue; dp = layout[member: "dp"]?.intValue
            tp = layout[member: "tp"]?.intValue; pp = layout[member: "pp"]?.intValue
        }
        epochs = o[member: "epochs"]?.intValue
        steps = o[member: "steps"]?.intValue
        wallSeconds = o[member: "wall_seconds"]?.doubleValue
        samplesPerSecond = o[member: "samples_per_second"]?.doubleValue
        paramsSHA256 = o[member: "params_sha256"]?.stringValue
        dataSHA256 = o[member: "data_sha256"]?.stringValue
        parameters = o[member: "parameters"]?.intValue
        stoppedEarly = o[member: "stopped_early"]?.boolValue
        bestEpoch = o[member: "best_epoch"]?.intValue
        if let slurm = o[member: "slurm"] {
            slurmJobID = slurm[member: "job_id"]?.stringValue
            slurmRestarts = slurm[member: "restart_count"]?.intValue
        }
        classes = o[member: "classes"]?.elements?.map { $0.stringValue ?? "\($0)" }
        for split in ["train", "validation", "test"] {
            guard let s = o[member: split]?.members else { continue }
            splits[split] = Dictionary(s.compactMap { k, v in v.doubleValue.map { (k, $0) } }, uniquingKeysWith: { a, _ in a })
        }
        let test = o[member: "test"]
        if let rows = test?[member: "confusion"]?.elements {
            let matrix = rows.map { $0.elements?.compactMap(\.intValue) ?? [] }
            guard matrix.allSatisfy({ $0.count == matrix.count }) else {
                throw ReportError(.badConfusion(source: source))
            }
            confusion = matrix
        }
        for row in test?[member: "per_class"]?.elements ?? [] where row.members != nil {
            perClass.append(ClassRow(label: row[member: "label"]?.stringValue ?? "?", precision: row[member: "precision"]?.doubleValue,
                                     recall: row[member: "recall"]?.doubleValue, f1: row[member: "f1"]?.doubleValue,
                                     support: row[member: "support"]?.intValue))
        }
    }

    /// `dp2 tp1 pp1`, or nil without a layout.
    public var layoutText: String? {
        guard let dp else { return nil }
        return "dp\(dp) tp\(tp ?? 1) pp\(pp ?? 1)"
    }
}
