import Foundation
import TandemComm
import TandemData
import TandemTensor

/// One split of the prepared data: its rows of the prepared dataset, encoded batch by batch.
///
/// Nothing of the split is held in memory beyond its row list (mapped): `encode` gathers and
/// preprocesses just the rows asked for. `x`, `labels` and `targets` materialize the whole split
/// (evaluation metrics, tests, small data).
public struct PreparedSplit: Sendable {
    /// The prepared dataset.
    public let table: PreparedTable
    /// Preprocesses gathered rows.
    public let encoder: BatchEncoder
    /// Data class index -> model class index (a warm start's classes); nil when the same.
    let labelMap: [Int32]?
    /// The split's rows of `table`, ascending.
    let rowBuffer: ColumnBuffer
    /// The regression target's training scaling (`data.preprocess.target_scale`), if any.
    var targetScaling: TargetScaling? = nil

    /// The split's rows of the prepared dataset (= source data rows), ascending.
    public var rows: UnsafeBufferPointer<Int> { rowBuffer.typed(Int.self) }
    /// Number of rows.
    public var count: Int { rowBuffer.count / MemoryLayout<Int>.stride }
    /// Row indices in the source table.
    public var sourceRows: [Int] { Array(rows) }
    /// Network inputs per row.
    public var width: Int { encoder.width }

    /// Encoded features of split positions `positions` into `output` `[positions.count, width]`.
    public func encode(_ positions: Range<Int>, into output: UnsafeMutablePointer<Float>) {
        encoder.encode(rows: UnsafeBufferPointer(rebasing: rows[positions]), into: output)
    }

    /// Class index of dataset row `row` (classification).
    @inline(__always) public func label(row: Int) -> Int32 {
        let l = table.labels[row]
        return labelMap.map { $0[Int(l)] } ?? l
    }

    /// Target value of dataset row `row` as the network learns it (regression): scaled by
    /// `targetScaling` when set.
    @inline(__always) public func target(row: Int) -> Float {
        targetScaling.map { $0.scale(table.values[row]) } ?? table.values[row]
    }

    /// Whether the target is a class.
    public var isClassification: Bool { table.manifest.target.kind == .categorical }

    /// Encoded features of the whole split `[count, width]`.
    public var x: Matrix {
        var m = Matrix(rows: count, cols: width)
        m.values.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { encode(0..<count, into: b) } }
        return m
    }

    /// Class indices `[count]` (classification; empty for regression).
    public var labels: [Int32] { isClassification ? rows.map { label(row: $0) } : [] }

    /// Rows of each class index `0..<classes` (classification; labels outside are not counted).
    public func classCounts(_ classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        guard isClassification else { return counts }
        for r in rows { let l = Int(label(row: r)); if l >= 0 && l < classes { counts[l] += 1 } }
        return counts
    }

    /// Regression targets `[count]` in the target's units (empty for classification).
    public var targets: [Float] { isClassification ? [] : rows.map { table.values[$0] } }
}

/// The data of a job: a prepared dataset (mapped from the cache, or in memory with
/// `data.cache: off`), its splits, and the fitted preprocessing applied batch by batch.
///
/// Preparation happens once (the cache makes later runs reuse it); under MPI rank 0 prepares
/// or checks the cache while the other ranks wait, then every rank maps the same files.
public struct PreparedData: Sendable {
    public var train: PreparedSplit
    public var validation: PreparedSplit
    public var test: PreparedSplit
    /// Fitted on the training rows only (or a warm start's).
    public var preprocessor: Preprocessor
    public var targetEncoder: TargetEncoder
    public var featureNames: [String]
    /// SHA-256 of the data file(s), for lineage.
    public var dataSHA256: String
    /// The kind of each feature column in the data file, in `featureNames` order.
    public var featureKinds: [ColumnKind]
    /// The raw training-split distribution of every feature, saved with the model for drift.
    public var drift: DriftReference
    /// The prepared dataset.
    public var table: PreparedTable

    /// Every column of the file as inferred, with its role in this run.
    public var schema: [ColumnSchema] = []
    /// What ingestion decided that the user should know (ID columns left out, dropped rows).
    public var warnings: [String] = []

    /// Class labels (classification) or nil (regression).
    public var classes: [String]? { targetEncoder.task == .classification ? targetEncoder.classes : nil }
    /// Network inputs per row.
    public var inputWidth: Int { preprocessor.outputWidth }

    /// What a warm start (`init_from`) reuses from an earlier model instead of fitting it here.
    public struct Reused: Sendable {
        /// The fitted preprocessing, applied unchanged.
        public var preprocessor: Preprocessor
        /// The model's classes (classification): the data's classes must be among them.
        public var classes: [String]?
        /// Where they come from (the `init_from` directory), for messages.
        public var source: String
        public init(preprocessor: Preprocessor, classes: [String]?, source: String) {
            self.preprocessor = preprocessor
            self.classes = classes
            self.source = source
        }
    }

    /// The data of `config`: `data.path` itself when it is a prepared dataset, else the
    /// dataset from `cache` (reused or prepared), else (no cache) prepared in memory. With
    /// `reusing`, the preprocessing and classes are a warm start's (a class of the data that is
    /// not among them, or feature columns other than the preprocessing's or of another kind,
    /// is a `ConfigError` naming `init_from` and the field). With `comm`, rank 0 obtains the
    /// dataset and the others then map it (or prepare their own if they cannot see it); an
    /// error on rank 0 is thrown on every rank with rank 0's message.
    public static func prepare(_ config: DataConfig, reusing: Reused? = nil, cacheRoot: String? = nil,
                               comm: Communicator? = nil) throws -> PreparedData {
        let table = try obtain(config, cacheRoot: cacheRoot, comm: comm)
        return try make(table, config: config, reusing: reusing)
    }

    /// The prepared dataset of `job`'s data config, on every rank of `comm` (`tandem prepare`):
    /// in `directory` when given, else in the job's cache. Throws `ConfigError` when neither
    /// is set (`data.cache: off`).
    public static func prepareDataset(job: JobConfig, directory: String?, comm: Communicator?) throws -> PreparedTable {
        if PreparedTable.isPrepared(job.data.path) { return try PreparedTable.open(job.data.path, verification: .full) }
        if let directory {
            let parent = URL(fileURLWithPath: directory).standardizedFileURL.deletingLastPathComponent().path
            return try obtain(job.data, cacheRoot: parent, directory: directory, comm: comm)
        }
        guard let cache = DataCache.resolve(job.data.cache, outputDir: job.output.dir) else {
            throw ConfigError("data.cache is off, so there is no cache to prepare into; give --output DIR or set data.cache")
        }
        return try obtain(job.data, cacheRoot: cache.root, comm: comm)
    }

    /// The dataset for `config`, on every rank of `comm`.
    static func obtain(_ config: DataConfig, cacheRoot: String?, directory: String? = nil, comm: Communicator?) throws -> PreparedTable {
        if PreparedTable.isPrepared(config.path) { return try PreparedTable.open(config.path) }
        guard let cacheRoot else { return try DataPreparation.build(config) }
        let cache = DataCache(root: cacheRoot)
        let rank = comm?.rank ?? 0
        let here = { try cache.obtain(config, directory: directory, say: { if rank == 0 { Progress.say($0) } }, warn: { if rank == 0 { Progress.warn($0) } }) }
        guard let comm, comm.size > 1 else { return try here() }
        var outcome = PreparationOutcome.ok
        var table: PreparedTable?
        // A CSV to prepare is parsed by all ranks together: rank 0, holding the cache's lock,
        // asks the others to join ("prepare") once it knows the dataset must be prepared.
        let together: ((String) throws -> PreparedTable)? = ParallelPreparation.eligible(config) ? { dir in
            for r in 1..<comm.size { try comm.send(bytes: PreparationOutcome(kind: "prepare").bytes, to: r, tag: PreparationOutcome.tag) }
            guard let t = try ParallelPreparation.run(config, comm: comm, directory: dir) else { throw PreparedDataError(.noDataset(rank: 0)) }
            return t
        } : nil
        if rank == 0 {
            do {
                table = try cache.obtain(config, directory: directory, say: { Progress.say($0) }, warn: { Progress.warn($0) }, build: together)
            } catch { outcome = PreparationOutcome(error) }
        }
        // Point-to-point, polled: the waiting ranks sleep instead of spinning a core that
        // rank 0 needs, and no collective sits under the watchdog for as long as preparing takes.
        if rank == 0 {
            for r in 1..<comm.size { try comm.send(bytes: outcome.bytes, to: r, tag: PreparationOutcome.tag) }
            if let table { return table }
            // Every rank ends with the error: wait until each has it before rank 0's abort.
            for r in 1..<comm.size { _ = try comm.receive(from: r, tag: PreparationOutcome.tag + 1, pollInterval: 0.005) }
        } else {
            outcome = try PreparationOutcome(bytes: comm.receive(from: 0, tag: PreparationOutcome.tag, pollInterval: 0.005).bytes)
            if outcome.kind == "prepare" {
                // An error here is every rank's (agreed in the exchange); rank 0 sends it as the outcome.
                _ = try? ParallelPreparation.run(config, comm: comm)
                outcome = try PreparationOutcome(bytes: comm.receive(from: 0, tag: PreparationOutcome.tag, pollInterval: 0.005).bytes)
            }
            if outcome.kind != "ok" { try comm.send(bytes: [], to: 0, tag: PreparationOutcome.tag + 1) }
        }
        try outcome.rethrow()
        // Rank 0 checked it; a rank that cannot see rank 0's file system prepares its own copy.
        return try (try? PreparedTable.open(directory ?? cache.directory(for: config))) ?? here()
    }

    /// The splits, preprocessing and classes over a prepared dataset.
    static func make(_ table: PreparedTable, config: DataConfig, reusing: Reused?) throws -> PreparedData {
        let stats = try DataPreparation.statistics(of: table)
        let features = table.columns.map(\.record.name)
        let kinds = table.columns.map(\.record.kind)
        if PreparedTable.isPrepared(config.path) { try requireSameTask(table, config: config, stats: stats) }
        var encoder = stats.targetEncoder
        var labelMap: [Int32]?
        var splitRows = SplitPart.allCases.map { table.splitRows[$0.rawValue] }
        if let reusing {
            try reusing.requireFits(features: features, kinds: kinds)
            if let known = reusing.classes, config.task == .classification {
                let unknown = encoder.classes.filter { !known.contains($0) }
                if !unknown.isEmpty {
                    throw ConfigError("init_from \(reusing.source): the classes do not fit: the data has class\(unknown.count > 1 ? "es" : "") \(unknown.prefix(5).map { "'\($0)'" }.joined(separator: ", ")) that the model does not know (its classes: \(known.joined(separator: ", ")))")
                }
                let map = encoder.classes.map { Int32(known.firstIndex(of: $0) ?? 0) }
                if map != Array(0..<Int32(map.count)) {
                    labelMap = map
                    // The split stratifies by the model's class indices, as it always did.
                    if config.split.method == .stratified {
                        let labels = table.labels.map { map[Int($0)] }
                        let s = try SplitIndices.make(count: table.rows, labels: labels, validation: config.split.validation,
                                                      test: config.split.test, method: .stratified, seed: config.split.seed)
                        splitRows = [s.train, s.validation, s.test].map { ColumnBuffer(copying: $0) }
                    }
                }
                encoder = TargetEncoder(task: .classification, classes: known)
            }
        }
        let preprocessor = reusing?.preprocessor ?? stats.preprocessor
        let batch = try BatchEncoder(preprocessor: preprocessor, table: table)
        let splits = splitRows.map { PreparedSplit(table: table, encoder: batch, labelMap: labelMap, rowBuffer: $0,
                                                 targetScaling: preprocessor.target) }
        var data = PreparedData(train: splits[0], validation: splits[1], test: splits[2], preprocessor: preprocessor,
                                targetEncoder: encoder, featureNames: features, dataSHA256: stats.dataSHA256,
                                featureKinds: kinds, drift: stats.drift, table: table)
        data.schema = stats.schema ?? []
        data.warnings = stats.warnings ?? []
        return data
    }

    /// A config whose `data.path` is a prepared dataset must ask for its task and target.
    private static func requireSameTask(_ table: PreparedTable, config: DataConfig, stats: DataStatistics) throws {
        let prepared = try JSONSerialization.jsonObject(with: Data(table.manifest.config.utf8)) as? [String: Any] ?? [:]
        let target = prepared["target"] as? String ?? ""
        if stats.targetEncoder.task != config.task || target != config.target {
            throw ConfigError("data.path \(config.path) is a prepared dataset of target '\(target)' (\(stats.targetEncoder.task.rawValue)); data.target is '\(config.target)' (\(config.task.rawValue)) here")
        }
    }
}

extension PreparedData.Reused {
    /// Checks that the data's `features` are the reused preprocessing's features, in its order
    /// and of its `kinds`; a `ConfigError` names the field.
    func requireFits(features: [String], kinds: [ColumnKind]) throws {
        let names = preprocessor.featureNames
        if features != names {
            let extra = features.filter { !names.contains($0) }, lacking = names.filter { !features.contains($0) }
            var detail = extra.isEmpty && lacking.isEmpty ? "the same columns in another order" : ""
            if !extra.isEmpty { detail += "not in the model: \(extra.prefix(5).joined(separator: ", "))" }
            if !lacking.isEmpty { detail += (detail.isEmpty ? "" : "; ") + "missing here: \(lacking.prefix(5).joined(separator: ", "))" }
            throw WarmStart.incompatible(source, "data.features", "\(names.count) columns", "\(features.count) columns (\(detail)); list the model's features in data.features")
        }
        for (f, kind) in zip(preprocessor.features, kinds) where kind != f.kind {
            throw WarmStart.incompatible(source, "the kind of feature '\(f.name)' (data.columns.\(f.name))", f.kind.rawValue, kind.rawValue)
        }
    }
}
