import TandemData
import TandemModel

/// `manifest.json` of a checkpoint: everything besides the tensors that an exact resume needs,
/// and what `tandem inspect` and compatibility checks read.
public struct CheckpointManifest: Codable, Equatable, Sendable {
    public static let currentFormat = 1

    public var formatVersion: Int
    public var tandemVersion: String
    public var createdAt: String
    /// The loop position and running sums (step, epoch, batch, sums, the monitored metric,
    /// finished). Encoded at this level, not nested: see `TrainingState`.
    public var state: TrainingState
    /// Randomness is counter-based: shuffles from (train seed, epoch), dropout from (train seed,
    /// step, layer, global row), splits from the split seed; these seeds are the whole RNG state.
    public var trainSeed: UInt64
    public var splitSeed: UInt64
    /// The resolved config the checkpoint was written under (YAML).
    public var config: String
    public var task: String
    public var classes: [String]?
    public var preprocessor: Preprocessor
    public var dataSHA256: String
    public var layout: LayoutRecord
    public var model: ModelRecord
    public var optimizer: OptimizerRecord
    public var earlyStopping: EarlyStoppingRecord?
    /// Lines of metrics.jsonl written when this was saved (a resume truncates to them).
    public var metricsLines: Int
    public var tensors: [TensorRecord]
    /// SHA-256 of each data file in the checkpoint directory.
    public var files: [String: String]

    public struct LayoutRecord: Codable, Equatable, Sendable {
        public var world, dp, tp, pp: Int
    }

    public struct ModelRecord: Codable, Equatable, Sendable {
        public var kind: String
        public var widths: [Int]
        public var activation: String
        public var parameters: Int
        /// `model.norm` when not none (absent in checkpoints of models without normalization).
        public var norm: String?
        /// resnet: `model.blocks` and `model.block_hidden` (`widths` is `[inputs, width, outputs]`).
        public var blocks: Int?
        public var blockHidden: Int?
        /// The categorical embedding tables (`widths[0]` is then their output width); absent without.
        public var embedding: EmbeddingShape?

        enum CodingKeys: String, CodingKey {
            case kind, widths, activation, parameters, norm, blocks, blockHidden = "block_hidden", embedding
        }
    }

    public struct OptimizerRecord: Codable, Equatable, Sendable {
        public var name: String
        public var stepCount: Int
    }

    public struct EarlyStoppingRecord: Codable, Equatable, Sendable {
        public var metric: String
        public var best: Double?
        public var bestEpoch: Int
        public var sinceBest: Int
    }

    public struct TensorRecord: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
    }

    /// The manifest's own keys; the state's (`TrainingState.CodingKeys`) sit at the same level.
    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", tandemVersion = "tandem_version", createdAt = "created_at"
        case trainSeed = "train_seed", splitSeed = "split_seed", config, task, classes, preprocessor
        case dataSHA256 = "data_sha256", layout, model, optimizer, earlyStopping = "early_stopping"
        case metricsLines = "metrics_lines", tensors, files
    }

    public init(formatVersion: Int, tandemVersion: String, createdAt: String, state: TrainingState, trainSeed: UInt64,
                splitSeed: UInt64, config: String, task: String, classes: [String]?, preprocessor: Preprocessor,
                dataSHA256: String, layout: LayoutRecord, model: ModelRecord, optimizer: OptimizerRecord,
                earlyStopping: EarlyStoppingRecord?, metricsLines: Int, tensors: [TensorRecord], files: [String: String]) {
        self.formatVersion = formatVersion
        self.tandemVersion = tandemVersion
        self.createdAt = createdAt
        self.state = state
        self.trainSeed = trainSeed
        self.splitSeed = splitSeed
        self.config = config
        self.task = task
        self.classes = classes
        self.preprocessor = preprocessor
        self.dataSHA256 = dataSHA256
        self.layout = layout
        self.model = model
        self.optimizer = optimizer
        self.earlyStopping = earlyStopping
        self.metricsLines = metricsLines
        self.tensors = tensors
        self.files = files
    }

    /// Reads the manifest's keys and the state's from the same JSON object.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        tandemVersion = try c.decode(String.self, forKey: .tandemVersion)
        createdAt = try c.decode(String.self, forKey: .createdAt)
        state = try TrainingState(from: decoder)
        trainSeed = try c.decode(UInt64.self, forKey: .trainSeed)
        splitSeed = try c.decode(UInt64.self, forKey: .splitSeed)
        config = try c.decode(String.self, forKey: .config)
        task = try c.decode(String.self, forKey: .task)
        classes = try c.decodeIfPresent([String].self, forKey: .classes)
        preprocessor = try c.decode(Preprocessor.self, forKey: .preprocessor)
        dataSHA256 = try c.decode(String.self, forKey: .dataSHA256)
        layout = try c.decode(LayoutRecord.self, forKey: .layout)
        model = try c.decode(ModelRecord.self, forKey: .model)
        optimizer = try c.decode(OptimizerRecord.self, forKey: .optimizer)
        earlyStopping = try c.decodeIfPresent(EarlyStoppingRecord.self, forKey: .earlyStopping)
        metricsLines = try c.decode(Int.self, forKey: .metricsLines)
        tensors = try c.decode([TensorRecord].self, forKey: .tensors)
        files = try c.decode([String: String].self, forKey: .files)
    }

    /// Writes the manifest's keys and the state's into the same JSON object.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatVersion, forKey: .formatVersion)
        try c.encode(tandemVersion, forKey: .tandemVersion)
        try c.encode(createdAt, forKey: .createdAt)
        try state.encode(to: encoder)
        try c.encode(trainSeed, forKey: .trainSeed)
        try c.encode(splitSeed, forKey: .splitSeed)
        try c.encode(config, forKey: .config)
        try c.encode(task, forKey: .task)
        try c.encodeIfPresent(classes, forKey: .classes)
        try c.encode(preprocessor, forKey: .preprocessor)
        try c.encode(dataSHA256, forKey: .dataSHA256)
        try c.encode(layout, forKey: .layout)
        try c.encode(model, forKey: .model)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encodeIfPresent(earlyStopping, forKey: .earlyStopping)
        try c.encode(metricsLines, forKey: .metricsLines)
        try c.encode(tensors, forKey: .tensors)
        try c.encode(files, forKey: .files)
    }
}
