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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, hidden, activation, dropout, initScheme = "init", solver, ridge
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
        if kind != .mlp && !hidden.isEmpty { throw ConfigError("model.hidden: a \(kind.rawValue) model has no hidden layers (use kind: mlp)") }
        if solver == .exact && kind != .linear { throw ConfigError("model.solver: exact applies to kind: linear only") }
        if let bad = hidden.first(where: { $0 < 1 }) { throw ConfigError("model.hidden: layer width \(bad) must be at least 1") }
        if !(dropout >= 0 && dropout < 1) { throw ConfigError("model.dropout: \(dropout) must be in [0, 1)") }
        if ridge < 0 { throw ConfigError("model.ridge: \(ridge) must be >= 0") }
        try ConfigRange.check(hidden.count, "model.hidden (number of layers)", 0...ConfigRange.maxLayers)
        for (i, width) in hidden.enumerated() { try ConfigRange.check(width, "model.hidden[\(i)]", 1...ConfigRange.maxWidth) }
        try ConfigRange.nonNegative(ridge, "model.ridge")
    }
}
