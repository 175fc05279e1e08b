import Foundation
import TandemArtifact
import TandemData
import TandemTensor

/// One split of the prepared data: encoded features and targets, ready for the network.
public struct PreparedSplit: Sendable {
    /// Encoded features `[rows, inputs]`.
    public var x: Matrix
    /// Class indices `[rows]` (classification; empty for regression).
    public var labels: [Int32]
    /// Regression targets `[rows]` (empty for classification).
    public var targets: [Float]
    /// Row indices in the source table.
    public var sourceRows: [Int]
    public var count: Int { x.rows }
}

/// The table after splitting, fitting the preprocessing on the training split, and encoding.
///
/// Every rank prepares the same data the same way (the split is seeded), so no data is sent
/// between ranks; each rank then reads only its slice of every global batch.
public struct PreparedData: Sendable {
    public var train: PreparedSplit
    public var validation: PreparedSplit
    public var test: PreparedSplit
    /// Fitted on the training rows only.
    public var preprocessor: Preprocessor
    public var targetEncoder: TargetEncoder
    public var featureNames: [String]
    /// SHA-256 of the data file(s), for lineage.
    public var dataSHA256: String
    /// The kind of each feature column in the data file, in `featureNames` order.
    public var featureKinds: [ColumnKind]
    /// The raw training-split distribution of every feature, saved with the model for drift.
    public var drift: DriftReference

    /// Every column of the file as inferred, with its role in this run.
    public var schema: [ColumnSchema] = []
    /// What ingestion decided that the user should know (ID columns left out, dropped rows).
    public var warnings: [String] = []

    /// Class labels (classification) or nil (regression).
    public var classes: [String]? { targetEncoder.task == .classification ? targetEncoder.classes : nil }

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

    /// Loads, splits, fits and encodes according to `config`. With `reusing`, the preprocessing
    /// and the classes are taken from there instead of fitted (a class of the data that is not
    /// among them, or feature columns other than the preprocessing's or of another kind, is a
    /// `ConfigError` naming `init_from` and the field).
    public static func prepare(_ config: DataConfig, reusing: Reused? = nil) throws -> PreparedData {
        for file in [config.path] + (config.targetPath.map { [$0] } ?? []) { try Ingestion.checkFileSize(file) }
        let ingestion = try Ingestion(config, table: Table.load(path: config.path, targetPath: config.targetPath, kinds: config.columns))
        let table = ingestion.table
        let features = ingestion.features
        if features.contains(config.target) { throw ConfigError("data.features: the target column '\(config.target)' cannot also be a feature") }
        if features.isEmpty { throw ConfigError("data.features: no feature columns left besides the target '\(config.target)'") }
        if let reusing { try reusing.requireFits(table: table, features: features) }
        var encoder = try TargetEncoder.fit(table: table, target: config.target, task: config.task)
        if let known = reusing?.classes, config.task == .classification {
            let unknown = encoder.classes.filter { !known.contains($0) }
            if !unknown.isEmpty {
                throw ConfigError("init_from \(reusing?.source ?? ""): the classes do not fit: the data has class\(unknown.count > 1 ? "es" : "") \(unknown.prefix(5).map { "'\($0)'" }.joined(separator: ", ")) that the model does not know (its classes: \(known.joined(separator: ", ")))")
            }
            encoder = TargetEncoder(task: .classification, classes: known)
        }
        let all = Array(0..<table.rowCount)
        let labelsAll = config.task == .classification ? try encoder.encodeLabels(table: table, target: config.target, rows: all) : nil
        let valuesAll = config.task == .regression ? try encoder.encodeValues(table: table, target: config.target, rows: all) : nil
        // Stratified on a regression target: by quantile bins of the target.
        let strata = labelsAll ?? (config.split.method == .stratified ? valuesAll.map(QuantileBins.labels) : nil)
        let split = try SplitIndices.make(count: table.rowCount, labels: strata, validation: config.split.validation,
                                          test: config.split.test, method: config.split.method, seed: config.split.seed)
        let preprocessor = try reusing?.preprocessor
            ?? Preprocessor.fit(table: table, features: features, rows: split.train, options: config.preprocess)
        func encode(_ rows: [Int]) throws -> PreparedSplit {
            let x = try preprocessor.transform(table: table, rows: rows)
            if let labelsAll {
                return PreparedSplit(x: x, labels: rows.map { labelsAll[$0] }, targets: [], sourceRows: rows)
            }
            return PreparedSplit(x: x, labels: [], targets: try encoder.encodeValues(table: table, target: config.target, rows: rows), sourceRows: rows)
        }
        var hasher = SHA256()
        for p in [config.path] + (config.targetPath.map { [$0] } ?? []) {
            if let d = FileManager.default.contents(atPath: p) { hasher.update(d) }
        }
        var prepared = PreparedData(train: try encode(split.train), validation: try encode(split.validation), test: try encode(split.test),
                            preprocessor: preprocessor, targetEncoder: encoder, featureNames: features,
                            dataSHA256: hasher.finalize().map { String(format: "%02x", $0) }.joined(),
                            featureKinds: try features.map { table.columns[try table.requireIndex(of: $0, role: "feature")].kind },
                            drift: try DriftReference.fit(table: table, features: features, rows: split.train))
        prepared.schema = ingestion.schema
        prepared.warnings = ingestion.warnings
        return prepared
    }
}
