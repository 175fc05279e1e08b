import Foundation
import TandemData
import TandemFormats
import TandemTensor

/// `statistics.json` of a prepared dataset: everything fitted on the training split.
struct DataStatistics: Codable {
    /// Imputation, scaling and one-hot categories, fitted on the training rows.
    var preprocessor: Preprocessor
    /// The classes of the whole target column (classification), as the target is encoded.
    var targetEncoder: TargetEncoder
    /// The raw training distribution of every feature (drift reference saved with the model).
    var drift: DriftReference
    /// SHA-256 of the data file(s), as recorded in lineage and checkpoints.
    var dataSHA256: String
    /// Every column of the file as inferred, with its role (absent in datasets prepared before
    /// ingestion reported a schema).
    var schema: [ColumnSchema]?
    /// What ingestion decided that the user should know (ID columns left out, dropped rows),
    /// repeated by every run that uses the dataset.
    var warnings: [String]?

    enum CodingKeys: String, CodingKey {
        case preprocessor, targetEncoder = "target_encoder", drift, dataSHA256 = "data_sha256", schema, warnings
    }
}

/// Preparation of a data config in one process: parse the file(s), type the columns, encode the
/// target, split, fit the statistics on the training split, and store it all as a `PreparedTable`.
enum DataPreparation {
    /// The data config as prepared (JSON with sorted keys, without `cache` and `in_memory_mib`) and its SHA-256.
    static func identity(_ config: DataConfig) throws -> (json: String, sha256: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var object = try JSONSerialization.jsonObject(with: encoder.encode(config)) as? [String: Any] ?? [:]
        object.removeValue(forKey: "cache")
        object.removeValue(forKey: "in_memory_mib")
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return (String(decoding: data, as: UTF8.self), SHA256.hex(data))
    }

    /// The source files of `config`: the data file and the separate target file, if any.
    static func sources(_ config: DataConfig) -> [String] { [config.path] + (config.targetPath.map { [$0] } ?? []) }

    /// Prepares `config` in memory. Throws `DataError` / `ConfigError` as loading always did:
    /// file and line for a bad record, the key for a bad setting.
    static func build(_ config: DataConfig) throws -> PreparedTable {
        for file in sources(config) { try Ingestion.checkFileSize(file) }
        return try build(config, table: Table.load(path: config.path, targetPath: config.targetPath, kinds: config.columns))
    }

    /// Prepares `config` from its already loaded `table` (`Table.load` of its sources).
    static func build(_ config: DataConfig, table loaded: Table) throws -> PreparedTable {
        let ingestion = try Ingestion(config, table: loaded)
        let table = ingestion.table
        let features = ingestion.features
        try checkFeatures(features, config: config)
        let (encoder, target, split) = try targetAndSplit(config, table: table)
        var preprocessor = try Preprocessor.fit(table: table, features: features, rows: split.train, options: config.preprocess)
        fitTargetScaling(&preprocessor, config: config, target: target, split: split)
        let drift = try DriftReference.fit(table: table, features: features, rows: split.train)
        let stamps = try sources(config).map { try SourceStamp.make($0) }
        let columns = try features.enumerated().map { i, name in try PreparedTable.column(name, position: i, of: table) }
        return try package(config, ingestion: ingestion, encoder: encoder, target: target, split: split, preprocessor: preprocessor,
                           drift: drift, stamps: stamps, columns: columns, lines: table.lineNumbers)
    }

    /// The features must not hold the target, nor be none.
    static func checkFeatures(_ features: [String], config: DataConfig) throws {
        if features.contains(config.target) { throw ConfigError("data.features: the target column '\(config.target)' cannot also be a feature") }
        if features.isEmpty { throw ConfigError("data.features: no feature columns left besides the target '\(config.target)'") }
    }

    /// The target classes (classification), the encoded target of every row of `table`, and
    /// the split (stratified on a regression target: by quantile bins of the target).
    static func targetAndSplit(_ config: DataConfig, table: Table) throws -> (TargetEncoder, PreparedTable.TargetValues, SplitIndices) {
        let (encoder, target) = try target(config, table: table)
        return (encoder, target, try split(config, rows: table.rowCount, target: target))
    }

    /// The target classes (classification) and the encoded target of every row of `table`.
    static func target(_ config: DataConfig, table: Table) throws -> (TargetEncoder, PreparedTable.TargetValues) {
        let encoder = try TargetEncoder.fit(table: table, target: config.target, task: config.task)
        let all = Array(0..<table.rowCount)
        if config.task == .classification {
            return (encoder, .labels(try encoder.encodeLabels(table: table, target: config.target, rows: all)))
        }
        return (encoder, .values(try encoder.encodeValues(table: table, target: config.target, rows: all)))
    }

    /// Whether the split of `config` depends on the target (stratified), or only on the row count.
    static func splitNeedsTarget(_ config: DataConfig) -> Bool { config.split.method == .stratified }

    /// The split of `rows` rows; `target` (the encoded target of every row) is needed only when
    /// `splitNeedsTarget` (stratified: by class, or by quantile bins of a regression target).
    static func split(_ config: DataConfig, rows: Int, target: PreparedTable.TargetValues?) throws -> SplitIndices {
        var strata: [Int32]?
        switch target {
        case .labels(let l): strata = l
        case .values(let v) where splitNeedsTarget(config): strata = QuantileBins.labels(v)
        case .values, nil: strata = nil
        }
        return try SplitIndices.make(count: rows, labels: strata, validation: config.split.validation,
                                     test: config.split.test, method: config.split.method, seed: config.split.seed)
    }

    /// Adds the regression target's scaling (fitted on the training rows) when `config` asks for it.
    static func fitTargetScaling(_ preprocessor: inout Preprocessor, config: DataConfig, target: PreparedTable.TargetValues, split: SplitIndices) {
        if TargetScaling.applies(config.preprocess.targetScale, task: config.task), case .values(let v) = target {
            preprocessor.target = TargetScaling.fit(split.train.map { v[$0] })
        }
    }

    /// The in-memory dataset of the fitted parts: `statistics.json` and the stored feature
    /// `columns` (in feature order) with the target, split and `lines` of every row.
    static func package(_ config: DataConfig, ingestion: Ingestion, encoder: TargetEncoder, target: PreparedTable.TargetValues,
                        split: SplitIndices, preprocessor: Preprocessor, drift: DriftReference, stamps: [SourceStamp],
                        columns: [PreparedColumn], lines: [Int]) throws -> PreparedTable {
        let dataSHA256: String
        if stamps.count == 1 {
            dataSHA256 = stamps[0].sha256
        } else {
            var hasher = SHA256()
            for p in sources(config) {
                let file = try ColumnBuffer(mapping: p)
                withExtendedLifetime(file) { hasher.update(file.bytes) }
            }
            dataSHA256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
        let encoderJSON = JSONEncoder()
        encoderJSON.outputFormatting = [.sortedKeys]
        let statistics = try encoderJSON.encode(DataStatistics(preprocessor: preprocessor, targetEncoder: encoder, drift: drift, dataSHA256: dataSHA256,
                                                                schema: ingestion.schema, warnings: ingestion.warnings))
        let id = try identity(config)
        return PreparedTable.assemble(columns: columns, lines: lines, target: target, split: split, sources: stamps,
                                      config: id.json, configSHA256: id.sha256, writer: "tandem \(TandemInfo.version)",
                                      extras: ["statistics.json": statistics])
    }

    /// The statistics of a prepared dataset.
    static func statistics(of table: PreparedTable) throws -> DataStatistics {
        guard let data = table.extras["statistics.json"] else {
            throw PreparedDataError(.missing(directory: table.directory ?? "prepared data", file: "statistics.json"))
        }
        do { return try JSONDecoder().decode(DataStatistics.self, from: data) } catch {
            throw PreparedDataError(.unparsable(directory: table.directory ?? "prepared data", file: "statistics.json", detail: "\(error)"))
        }
    }
}
