/// A whole training job: the root of a config file.
public struct JobConfig: Codable, Equatable, Sendable {
    public var name: String
    public var data: DataConfig
    public var model: ModelConfig
    public var train: TrainConfig
    public var output: OutputConfig
    public var checkpoint: CheckpointConfig
    public var parallel: ParallelConfig
    /// `init_from:` a model directory (`tandem export` output, `RUN/model` or a run directory)
    /// whose weights and fitted preprocessing training starts from (warm start); nil = fresh.
    public var initFrom: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, data, model, train, output, checkpoint, parallel, initFrom = "init_from"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.value(.name, or: "run")
        guard let data = try c.decodeIfPresent(DataConfig.self, forKey: .data) else { throw ConfigError("the 'data' section is required") }
        self.data = data
        model = try c.decodeIfPresent(ModelConfig.self, forKey: .model) ?? emptyDecode(ModelConfig.self)
        train = try c.decodeIfPresent(TrainConfig.self, forKey: .train) ?? emptyDecode(TrainConfig.self)
        // Default early stopping needs a validation split; without one it is off (set
        // explicitly, it is an error once the split turns out empty).
        let trainKeys = c.contains(.train) ? (try? c.nestedContainer(keyedBy: AnyKey.self, forKey: .train))?.allKeys.map(\.stringValue) ?? [] : []
        if data.split.validation == 0 && !trainKeys.contains("early_stopping") { train.earlyStopping = nil }
        output = try c.value(.output, or: OutputConfig(dir: "runs/\(name)"))
        checkpoint = try c.value(.checkpoint, or: CheckpointConfig())
        parallel = try c.value(.parallel, or: ParallelConfig())
        initFrom = try c.decodeIfPresent(String.self, forKey: .initFrom)
        if initFrom?.isEmpty == true { throw ConfigError("init_from: the model directory path is empty", keyPath: "init_from") }
        if initFrom != nil && model.solver == .exact {
            throw ConfigError("init_from: model.solver exact solves from scratch and would ignore the initial weights; use model.solver: gradient", keyPath: "init_from")
        }
        if model.kind == .logistic && data.task != .classification { throw ConfigError("model.kind: logistic needs data.task: classification", keyPath: "model.kind") }
        if model.kind == .linear && data.task != .regression { throw ConfigError("model.kind: linear needs data.task: regression", keyPath: "model.kind") }
        if data.preprocess.categorical == .embedding && (model.kind == .logistic || model.kind == .linear) {
            throw ConfigError("data.preprocess.categorical: embedding needs a model with hidden layers (model.kind: mlp or resnet); a \(model.kind.rawValue) model on embeddings is only a lower-rank one-hot model (use categorical: onehot)", keyPath: "data.preprocess.categorical")
        }
        if model.embeddingDim != nil && data.preprocess.categorical != .embedding {
            throw ConfigError("model.embedding_dim: applies to data.preprocess.categorical: embedding only (it is \(data.preprocess.categorical.rawValue) here)", keyPath: "model.embedding_dim")
        }
        if name.contains("/") || name.isEmpty || name == "." || name == ".." {
            throw ConfigError("name: '\(name)' must be non-empty, may not contain '/' and may not be '.' or '..' (the default output directory is runs/<name>)", keyPath: "name")
        }
    }
}

/// `output:` — where the run directory goes.
public struct OutputConfig: Codable, Equatable, Sendable {
    public var dir: String

    init(dir: String) { self.dir = dir }

    enum CodingKeys: String, CodingKey, CaseIterable { case dir }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let dir = try c.decodeIfPresent(String.self, forKey: .dir) else { throw ConfigError("output.dir is required when 'output' is given", keyPath: "output.dir") }
        self.dir = dir
    }
}
