import Foundation
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

    /// Class labels (classification) or nil (regression).
    public var classes: [String]? { targetEncoder.task == .classification ? targetEncoder.classes : nil }

    /// Loads, splits, fits and encodes according to `config`.
    public static func prepare(_ config: DataConfig) throws -> PreparedData {
        let table = try Table.load(path: config.path, targetPath: config.targetPath, kinds: config.columns)
        _ = try table.requireIndex(of: config.target, role: "target")
        let features = config.features ?? table.names.filter { $0 != config.target }
        if features.contains(config.target) { throw ConfigError("data.features: the target column '\(config.target)' cannot also be a feature") }
        if features.isEmpty { throw ConfigError("data.features: no feature columns left besides the target '\(config.target)'") }
        let encoder = try TargetEncoder.fit(table: table, target: config.target, task: config.task)
        let all = Array(0..<table.rowCount)
        let labelsAll = config.task == .classification ? try encoder.encodeLabels(table: table, target: config.target, rows: all) : nil
        if config.task == .regression { _ = try encoder.encodeValues(table: table, target: config.target, rows: all) }
        let method = config.task == .regression && config.split.method == .stratified ? SplitMethod.random : config.split.method
        let split = try SplitIndices.make(count: table.rowCount, labels: labelsAll, validation: config.split.validation,
                                          test: config.split.test, method: method, seed: config.split.seed)
        let preprocessor = try Preprocessor.fit(table: table, features: features, rows: split.train, options: config.preprocess)
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
        return PreparedData(train: try encode(split.train), validation: try encode(split.validation), test: try encode(split.test),
                            preprocessor: preprocessor, targetEncoder: encoder, featureNames: features,
                            dataSHA256: hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}
