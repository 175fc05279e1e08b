import TandemModel
import TandemTensor

/// Which family of model to train.
public enum ModelKind: String, Codable, Sendable, CaseIterable {
    /// Multi-layer perceptron: hidden dense layers with an activation and optional dropout.
    case mlp
    /// Logistic (softmax) regression: no hidden layer; classification only.
    case logistic
    /// Linear regression: no hidden layer; regression only.
    case linear
    /// ResNet for tables (Gorishniy et al. 2021): input layer to `width`, `blocks` residual
    /// blocks, then norm, activation and the output layer.
    case resnet
}

/// `model.numeric_embedding`: how numeric features enter the network.
public enum NumericEmbeddingKind: String, Codable, Sendable, CaseIterable {
    /// As scaled values (the default).
    case none
    /// Periodic embeddings (Gorishniy et al. 2022 "PLR": sin/cos of learned frequencies -> Linear -> ReLU per feature).
    case periodic
}

/// How a `linear` model is fitted.
public enum Solver: String, Codable, Sendable, CaseIterable {
    /// Minibatch gradient descent with the configured optimizer.
    case gradient
    /// Closed-form least squares / ridge through LAPACK (one pass over the data, no epochs).
    case exact
}

/// `model:` — the architecture.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var kind: ModelKind
    public var hidden: [Int]
    public var activation: Activation
    public var dropout: Double
    public var initScheme: InitScheme
    public var solver: Solver
    /// L2 penalty of the exact solver (ridge); 0 = ordinary least squares.
    public var ridge: Double
    /// Normalization after each hidden dense layer (mlp), at the start of each block and
    /// before the head (resnet): none, batch or layer.
    public var norm: NormKind
    /// resnet: residual blocks, main width, inner width (nil for other kinds).
    public var blocks: Int?
    public var width: Int?
    public var blockHidden: Int?
    /// The width of each categorical embedding table (`data.preprocess.categorical: embedding`);
    /// nil when not given (then `auto`), so configs without it resolve as before.
    public var embeddingDim: EmbeddingDimSetting?
    /// Periodic embeddings of the numeric features (`periodic`); nil when not given (none).
    public var numericEmbedding: NumericEmbeddingKind?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, hidden, activation, dropout, initScheme = "init", solver, ridge, norm, blocks, width, blockHidden = "block_hidden"
        case embeddingDim = "embedding_dim", numericEmbedding = "numeric_embedding"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.choice(.kind, or: .mlp)
        hidden = try c.value(.hidden, or: kind == .mlp ? [64] : [])
        activation = try c.choice(.activation, or: .relu)
        dropout = try c.value(.dropout, or: 0)
        initScheme = try c.choice(.initScheme, or: activation == .relu || activation == .gelu ? .he : .xavier)
        solver = try c.choice(.solver, or: .gradient)
        ridge = try c.value(.ridge, or: 0)
        norm = try c.choice(.norm, or: .none)
        embeddingDim = try c.decodeIfPresent(EmbeddingDimSetting.self, forKey: .embeddingDim)
        numericEmbedding = c.contains(.numericEmbedding) ? try c.choice(.numericEmbedding, or: .none) : nil
        if numericEmbedding == NumericEmbeddingKind.none { numericEmbedding = nil }
        if numericEmbedding != nil && (kind == .logistic || kind == .linear) {
            throw ConfigError("model.numeric_embedding: periodic needs a model with hidden layers (kind: mlp or resnet), not kind: \(kind.rawValue)", keyPath: "model.numeric_embedding")
        }
        if kind == .resnet {
            let w = try c.value(.width, or: 128)
            blocks = try c.value(.blocks, or: 2)
            width = w
            blockHidden = try c.value(.blockHidden, or: 2 * w)
            try ConfigRange.check(blocks ?? 0, "model.blocks", 1...ConfigRange.maxLayers)
            try ConfigRange.check(w, "model.width", 1...ConfigRange.maxWidth)
            try ConfigRange.check(blockHidden ?? 0, "model.block_hidden", 1...ConfigRange.maxWidth)
            if !hidden.isEmpty { throw ConfigError("model.hidden: a resnet has no hidden list; set model.blocks, model.width and model.block_hidden", keyPath: "model.hidden") }
        } else {
            for key in [CodingKeys.blocks, .width, .blockHidden] where c.contains(key) {
                throw ConfigError("model.\(key.rawValue): applies to kind: resnet only (this model is kind: \(kind.rawValue))", keyPath: "model.\(key.rawValue)")
            }
        }
        if kind != .mlp && !hidden.isEmpty { throw ConfigError("model.hidden: a \(kind.rawValue) model has no hidden layers (use kind: mlp)", keyPath: "model.hidden") }
        if solver == .exact && kind != .linear { throw ConfigError("model.solver: exact applies to kind: linear only", keyPath: "model.solver") }
        if let bad = hidden.first(where: { $0 < 1 }) { throw ConfigError("model.hidden: layer width \(bad) must be at least 1", keyPath: "model.hidden") }
        if !(dropout >= 0 && dropout < 1) { throw ConfigError("model.dropout: \(dropout) must be in [0, 1)", keyPath: "model.dropout") }
        if norm != .none && hidden.isEmpty && kind != .resnet {
            throw ConfigError("model.norm: \(norm.rawValue) normalizes hidden layers, and this \(kind.rawValue) model has none (use kind: mlp with hidden layers, or norm: none)", keyPath: "model.norm")
        }
        if ridge < 0 { throw ConfigError("model.ridge: \(ridge) must be >= 0", keyPath: "model.ridge") }
        try ConfigRange.check(hidden.count, "model.hidden (number of layers)", 0...ConfigRange.maxLayers)
        for (i, width) in hidden.enumerated() { try ConfigRange.check(width, "model.hidden[\(i)]", 1...ConfigRange.maxWidth) }
        try ConfigRange.nonNegative(ridge, "model.ridge")
    }
}

extension ModelConfig {
    /// The ResNet shape of a `kind: resnet` model, nil for the other kinds.
    public var residualShape: ResidualShape? {
        guard kind == .resnet, let blocks, let width, let blockHidden else { return nil }
        return ResidualShape(blocks: blocks, width: width, hidden: blockHidden)
    }
}
