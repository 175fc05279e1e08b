import TandemData

/// `data:` — where the table is and how to prepare it.
public struct DataConfig: Codable, Equatable, Sendable {
    /// `.csv` or `.npy`, relative to the current directory.
    public var path: String
    /// A separate `.npy` of targets when `path` is a `.npy` matrix.
    public var targetPath: String?
    /// Target column name (`target` for `.npy` data with `target_path`).
    public var target: String
    /// Feature columns; nil means every column but the target.
    public var features: [String]?
    /// Columns never used as features (with `features` nil, everything else but the target is).
    public var exclude: [String]
    /// Column type overrides.
    public var columns: [String: ColumnKind]
    /// Cell texts that mean "missing" (trimmed), in addition to nothing: the default is
    /// `DataConfig.defaultMissing`.
    public var missing: [String]
    /// A text feature with more distinct values is an error (one-hot would make that many inputs).
    public var maxCategories: Int
    /// Drop rows whose target is missing (with a warning) instead of stopping with an error.
    public var dropMissingTarget: Bool
    public var task: Task
    public var split: SplitConfig
    public var preprocess: PreprocessOptions
    /// Where the prepared dataset is kept (`auto`, `off` or a directory); not part of what is prepared.
    public var cache: DataCacheSetting
    /// The most MiB per rank the training split's encoded features may take to be held in memory
    /// row-major (`EncodedRows`); a larger split is gathered from the prepared dataset batch by
    /// batch. 0: never. Not part of what is prepared, and it changes no result.
    public var inMemoryMiB: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, targetPath = "target_path", target, features, exclude, columns, missing, maxCategories = "max_categories"
        case dropMissingTarget = "drop_missing_target", task, split, preprocess, cache, inMemoryMiB = "in_memory_mib"
    }

    /// `inMemoryMiB` in bytes.
    public var inMemoryBytes: Int { inMemoryMiB * 1_048_576 }

    /// `data.in_memory_mib` when not given.
    public static let defaultInMemoryMiB = 256

    /// The cell texts read as missing by default.
    public static let defaultMissing = ["", "NA", "N/A", "n/a", "#N/A", "-", "NaN", "nan", "?", "null", "NULL", "None"]

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let path = try c.decodeIfPresent(String.self, forKey: .path) else { throw ConfigError("data.path is required (a .csv or .npy file)", keyPath: "data.path") }
        self.path = path
        targetPath = try c.decodeIfPresent(String.self, forKey: .targetPath)
        let target = try c.decodeIfPresent(String.self, forKey: .target) ?? (targetPath != nil ? "target" : nil)
        guard let target else { throw ConfigError("data.target is required (the name of the column to predict)", keyPath: "data.target") }
        self.target = target
        features = try c.decodeIfPresent([String].self, forKey: .features)
        exclude = try c.value(.exclude, or: [])
        columns = try c.value(.columns, or: [:])
        missing = try c.value(.missing, or: DataConfig.defaultMissing)
        maxCategories = try c.value(.maxCategories, or: 1000)
        dropMissingTarget = try c.value(.dropMissingTarget, or: false)
        if maxCategories < 1 { throw ConfigError("data.max_categories: \(maxCategories) must be at least 1", keyPath: "data.max_categories") }
        if exclude.contains(target) { throw ConfigError("data.exclude: '\(target)' is the target; it is never a feature anyway", keyPath: "data.exclude") }
        let listed = features ?? []
        if let both = exclude.first(where: { listed.contains($0) }) {
            throw ConfigError("data.exclude: '\(both)' is also listed in data.features; keep it in one of the two", keyPath: "data.exclude")
        }
        guard c.contains(.task) else { throw ConfigError("data.task is required: classification or regression", keyPath: "data.task") }
        let task: Task = try c.choice(.task, or: .classification)
        self.task = task
        split = try c.value(.split, or: SplitConfig(task: task))
        // A split section without `method` gets the task's default (stratified for classification).
        if c.contains(.split), try !c.nestedContainer(keyedBy: AnyKey.self, forKey: .split).contains(AnyKey(stringValue: "method")) {
            split.method = SplitConfig(task: task).method
        }
        preprocess = try c.decodeIfPresent(PreprocessConfig.self, forKey: .preprocess)?.options ?? PreprocessOptions()
        if preprocess.targetScale == .standard && task == .classification {
            throw ConfigError("data.preprocess.target_scale: standard scales a regression target; this task is classification (use auto or none)", keyPath: "data.preprocess.target_scale")
        }
        cache = DataCacheSetting(try c.decodeIfPresent(String.self, forKey: .cache) ?? "auto")
        if case .path(let p) = cache, p.isEmpty { throw ConfigError("data.cache: expected auto, off or a directory, found an empty string", keyPath: "data.cache") }
        inMemoryMiB = try c.value(.inMemoryMiB, or: DataConfig.defaultInMemoryMiB)
        try ConfigRange.check(inMemoryMiB, "data.in_memory_mib", 0...(1 << 30))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encodeIfPresent(targetPath, forKey: .targetPath)
        try c.encode(target, forKey: .target)
        try c.encodeIfPresent(features, forKey: .features)
        try c.encode(exclude, forKey: .exclude)
        try c.encode(columns, forKey: .columns)
        try c.encode(missing, forKey: .missing)
        try c.encode(maxCategories, forKey: .maxCategories)
        try c.encode(dropMissingTarget, forKey: .dropMissingTarget)
        try c.encode(task, forKey: .task)
        try c.encode(split, forKey: .split)
        try c.encode(PreprocessConfig(preprocess), forKey: .preprocess)
        try c.encode(cache.text, forKey: .cache)
        try c.encode(inMemoryMiB, forKey: .inMemoryMiB)
    }
}

/// `data.cache:` — where the prepared dataset is kept (README: "Prepared datasets and the cache").
public enum DataCacheSetting: Equatable, Sendable {
    /// Under `.prepared/` next to the run directory (the parent of `output.dir`).
    case auto
    /// Prepared in memory on every rank for this run only; nothing is written.
    case off
    /// Under this directory (for example one shared by many jobs).
    case path(String)

    init(_ text: String) {
        switch text {
        case "auto": self = .auto
        case "off": self = .off
        default: self = .path(text)
        }
    }

    /// As written in a config.
    var text: String {
        switch self {
        case .auto: "auto"
        case .off: "off"
        case .path(let p): p
        }
    }
}

/// `data.split:` — validation and test fractions and how rows are assigned.
public struct SplitConfig: Codable, Equatable, Sendable {
    public var validation: Double
    public var test: Double
    public var method: SplitMethod
    public var seed: UInt64

    init(task: Task) {
        validation = 0.1
        test = 0.2
        method = task == .classification ? .stratified : .random
        seed = 7
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case validation, test, method, seed }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        validation = try c.value(.validation, or: 0.1)
        test = try c.value(.test, or: 0.2)
        method = try c.choice(.method, or: .random)
        seed = try c.value(.seed, or: 7)
        for (key, v) in [("validation", validation), ("test", test)] where !(v >= 0 && v < 1) {
            throw ConfigError("data.split.\(key): \(v) must be a fraction in [0, 1)", keyPath: "data.split.\(key)")
        }
        if validation + test >= 1 {
            throw ConfigError("data.split: validation \(validation) + test \(test) leave no rows for training; their sum must be below 1", keyPath: "data.split")
        }
    }
}

/// `data.preprocess:` as written in configs (snake_case keys), mapped onto `PreprocessOptions`.
struct PreprocessConfig: Codable {
    var options: PreprocessOptions
    init(_ options: PreprocessOptions) { self.options = options }

    enum CodingKeys: String, CodingKey, CaseIterable { case impute, fillValue = "fill_value", scale, categorical, targetScale = "target_scale" }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var o = PreprocessOptions()
        o.impute = try c.choice(.impute, or: o.impute)
        o.fillValue = try c.value(.fillValue, or: o.fillValue)
        o.scale = try c.choice(.scale, or: o.scale)
        o.categorical = try c.choice(.categorical, or: o.categorical)
        o.targetScale = try c.choice(.targetScale, or: o.targetScale)
        try ConfigRange.check(o.fillValue, "data.preprocess.fill_value", -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
        options = o
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(options.impute, forKey: .impute)
        try c.encode(options.fillValue, forKey: .fillValue)
        try c.encode(options.scale, forKey: .scale)
        try c.encode(options.categorical, forKey: .categorical)
        try c.encode(options.targetScale, forKey: .targetScale)
    }
}
