import TandemData
import TandemFormats
import TandemModel
import TandemTensor

/// A trained model a run starts from (`init_from`), already loaded: what the warm start checks
/// against the config and the data, the preprocessing it reuses, and the weights it copies.
/// TandemTrain reads no model files; an `InitialModelLoader` (TandemRecord's reads exported
/// models) makes this from one.
public struct InitialModel: Sendable {
    /// The layer layout the model was trained with (as its manifest records it).
    public struct Architecture: Equatable, Sendable {
        /// `model.kind`, e.g. `mlp`.
        public var kind: String
        /// Layer widths, inputs first, outputs last (resnet: `[inputs, width, outputs]`).
        public var widths: [Int]
        public var activation: String
        /// `model.norm`; nil: none.
        public var norm: String?
        /// resnet: `model.blocks` and `model.block_hidden`.
        public var blocks: Int?
        public var blockHidden: Int?
        /// The embedding tables; nil: none.
        public var embedding: EmbeddingShape?

        public init(kind: String, widths: [Int], activation: String, norm: String?, blocks: Int?, blockHidden: Int?,
                    embedding: EmbeddingShape?) {
            self.kind = kind
            self.widths = widths
            self.activation = activation
            self.norm = norm
            self.blocks = blocks
            self.blockHidden = blockHidden
            self.embedding = embedding
        }
    }

    /// The model directory actually read (a run directory stands for its `model/`).
    public var directory: String
    /// `params_sha256` of the model's weights (recorded in the new model's lineage).
    public var paramsSHA256: String
    public var task: Task
    public var target: String
    public var architecture: Architecture
    /// The fitted preprocessing and classes the new run reuses.
    public var preprocessor: Preprocessor
    public var classes: [String]?
    /// The weights, by arena name (`layers.0.weight`, ...).
    public var tensors: [NamedTensor]

    public init(directory: String, paramsSHA256: String, task: Task, target: String, architecture: Architecture,
                preprocessor: Preprocessor, classes: [String]?, tensors: [NamedTensor]) {
        self.directory = directory
        self.paramsSHA256 = paramsSHA256
        self.task = task
        self.target = target
        self.architecture = architecture
        self.preprocessor = preprocessor
        self.classes = classes
        self.tensors = tensors
    }
}

/// Loads the model an `init_from` path names. Throws a `ConfigError` (key `init_from`) naming
/// the path when it is not a usable model.
public protocol InitialModelLoader {
    func load(_ path: String) throws -> InitialModel
}
