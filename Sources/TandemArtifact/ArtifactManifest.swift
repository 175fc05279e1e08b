import Foundation
import TandemData
import TandemFormats
import TandemModel
import TandemTensor

/// `model.json` of an exported model: everything needed to use the weights the way they were
/// trained, and where they came from.
public struct ArtifactManifest: Codable, Equatable, Sendable {
    public static let currentFormat = 1

    public var formatVersion: Int
    public var name: String
    /// `classification` or `regression`.
    public var task: Task
    /// Input features in order, with their kinds (the columns a prediction needs).
    public var features: [Feature]
    /// The fitted preprocessing (imputation values, scaling, category lists).
    public var preprocessing: Preprocessor
    /// Names of the encoded network inputs (numeric features, one-hot `name=category` columns).
    public var encodedInputs: [String]
    /// Class labels in output order (classification).
    public var classes: [String]?
    public var target: String
    public var architecture: Architecture
    /// Test-split metrics at export.
    public var metrics: [String: Double]
    public var lineage: Lineage
    /// How to call `model.onnx` (input columns, output); nil in manifests written before ONNX export.
    public var onnx: ONNXInterface?
    /// Per-feature training distributions for drift monitoring (absent in older manifests).
    public var drift: DriftReference?

    public struct Feature: Codable, Equatable, Sendable {
        public var name: String
        public var kind: ColumnKind
    }

    public struct Architecture: Codable, Equatable, Sendable {
        public var kind: String
        /// Layer widths, inputs to outputs.
        public var widths: [Int]
        public var activation: String
        /// `softmax`, `sigmoid` (one logit for two classes) or `identity` (regression).
        public var output: String
        /// Normalization after each hidden layer (`batch` or `layer`); absent for none.
        public var norm: String?
        /// resnet: residual blocks and their inner width (`widths` is `[inputs, width, outputs]`).
        public var blocks: Int?
        public var blockHidden: Int?
        /// Categorical embedding tables before the first dense layer (`widths[0]` is then their
        /// output width: the numeric inputs plus every table's width); absent without.
        public var embedding: EmbeddingShape?

        public init(kind: String, widths: [Int], activation: String, output: String, norm: String? = nil,
                    blocks: Int? = nil, blockHidden: Int? = nil, embedding: EmbeddingShape? = nil) {
            self.kind = kind
            self.widths = widths
            self.activation = activation
            self.output = output
            self.norm = norm
            self.blocks = blocks
            self.blockHidden = blockHidden
            self.embedding = embedding
        }

        enum CodingKeys: String, CodingKey {
            case kind, widths, activation, output, norm, blocks, blockHidden = "block_hidden", embedding
        }
    }

    public struct Lineage: Codable, Equatable, Sendable {
        public var dataSHA256: String
        public var paramsSHA256: String
        public var seed: UInt64
        public var tandemVersion: String
        /// The resolved training config (YAML).
        public var config: String
        /// The model whose weights and preprocessing training started from (`init_from`), if any.
        public var initFrom: InitFrom?
        /// SHA-256 of the canonical preprocessing (`ArtifactManifest.preprocessingSHA256`), set by
        /// `ArtifactManifest.init` and verified on load; nil in models exported before it existed.
        public var preprocessingSHA256: String?

        public init(dataSHA256: String, paramsSHA256: String, seed: UInt64, tandemVersion: String, config: String,
                    initFrom: InitFrom? = nil) {
            self.dataSHA256 = dataSHA256
            self.paramsSHA256 = paramsSHA256
            self.seed = seed
            self.tandemVersion = tandemVersion
            self.config = config
            self.initFrom = initFrom
        }

        enum CodingKeys: String, CodingKey {
            case dataSHA256 = "data_sha256", paramsSHA256 = "params_sha256", seed, tandemVersion = "tandem_version", config
            case initFrom = "init_from", preprocessingSHA256 = "preprocessing_sha256"
        }
    }

    /// A warm start's origin: the artifact directory and the SHA-256 of its parameters.
    public struct InitFrom: Codable, Equatable, Sendable {
        public var path: String
        public var paramsSHA256: String

        public init(path: String, paramsSHA256: String) {
            self.path = path
            self.paramsSHA256 = paramsSHA256
        }

        enum CodingKeys: String, CodingKey { case path, paramsSHA256 = "params_sha256" }
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", name, task, features, preprocessing, encodedInputs = "encoded_inputs"
        case classes, target, architecture, metrics, lineage, onnx, drift
    }

    public init(formatVersion: Int = ArtifactManifest.currentFormat, name: String, task: Task, preprocessing: Preprocessor,
                classes: [String]?, target: String, architecture: Architecture, metrics: [String: Double], lineage: Lineage,
                drift: DriftReference? = nil) {
        self.formatVersion = formatVersion
        self.name = name
        self.task = task
        self.features = preprocessing.features.map { Feature(name: $0.name, kind: $0.kind) }
        self.preprocessing = preprocessing
        self.encodedInputs = preprocessing.outputNames
        self.classes = classes
        self.target = target
        self.architecture = architecture
        self.metrics = metrics
        self.lineage = lineage
        self.lineage.preprocessingSHA256 = Self.preprocessingSHA256(preprocessing)
        self.drift = drift
        onnx = ONNXInterface(manifest: self)
    }

    /// SHA-256 (hex) of `preprocessing` in canonical form: its JSON with sorted keys and no
    /// whitespace, numbers in their shortest round-trip spelling, so a manifest read back gives
    /// the same text. Nil when it cannot be encoded (a non-finite value, refused on load anyway).
    public static func preprocessingSHA256(_ preprocessing: Preprocessor) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(preprocessing)).map { SHA256.hex($0) }
    }
}
