import TandemTensor

/// How weights are initialized (biases always start at zero).
public enum InitScheme: String, Codable, Sendable, CaseIterable {
    /// Normal(0, sqrt(2 / fan_in)), for ReLU-family activations.
    case he
    /// Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)), for tanh/sigmoid.
    case xavier
    /// A random orthogonal matrix (QR of a Gaussian matrix through LAPACK, signs fixed by diag(R)).
    case orthogonal
}

/// The architecture of a sequential dense network: `inputs -> hidden... -> outputs`.
public struct NetworkSpec: Equatable, Sendable {
    public var inputs: Int
    public var hidden: [Int]
    public var outputs: Int
    public var activation: Activation
    /// Dropout rate after each hidden activation (0 = none).
    public var dropout: Double
    public var initScheme: InitScheme
    /// Normalization after each hidden dense layer (before its activation); in a ResNet, at
    /// the start of each block and before the head.
    public var norm: NormKind
    /// A ResNet for tables instead of an MLP (`hidden` is then empty).
    public var residual: ResidualShape?
    /// Embedding tables for categorical codes in the input and periodic embeddings of its numeric
    /// features, before the first dense layer (nil: none).
    public var embedding: EmbeddingShape?

    /// `inputs` is the width of the network's input (with `embedding`, `embedding.inputs`).
    public init(inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .relu,
                dropout: Double = 0, initScheme: InitScheme = .he, norm: NormKind = .none, residual: ResidualShape? = nil,
                embedding: EmbeddingShape? = nil) {
        self.inputs = inputs
        self.hidden = hidden
        self.outputs = outputs
        self.activation = activation
        self.dropout = dropout
        self.initScheme = initScheme
        self.norm = norm
        self.residual = residual
        self.embedding = embedding
    }

    /// Inputs of the first dense layer: `inputs`, or the embedding layer's output width.
    public var denseInputs: Int { embedding?.outputWidth ?? inputs }

    /// Dense layer widths including input and output: `[denseInputs] + hidden + [outputs]`; for a
    /// ResNet `[denseInputs, width, outputs]` (its blocks and inner width are in `residual`).
    public var widths: [Int] { [denseInputs] + (residual.map { [$0.width] } ?? hidden) + [outputs] }

    /// Parameter slots: `layers.i.weight` `[out, in]` and `layers.i.bias` `[out]` per dense layer,
    /// each hidden one followed (with `norm`) by `layers.i.norm.weight`, `.bias` and, for batch
    /// normalization, `.running_mean`, `.running_var` `[out]`. The running statistics live in the
    /// arena so checkpoints, export and `params_sha256` carry them; their gradient is always zero,
    /// so no optimizer moves them (none of these decay).
    /// A ResNet's tensors are `input.*`, `blocks.b.norm.*`, `blocks.b.linear1.*`,
    /// `blocks.b.linear2.*`, `head.norm.*`, `head.*` (`unitParameterSpecs`). Embedding tables
    /// `embeddings.t.weight` `[levels, dim]` and periodic embeddings `numeric.*` come first (part of unit 0).
    public var parameterSpecs: [(name: String, shape: [Int], decays: Bool)] {
        (0..<unitCount).flatMap { unitParameterSpecs($0) }
    }

    /// Number of parameters (every tensor of `parameterSpecs`, running statistics included).
    public var parameterCount: Int { parameterSpecs.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// `parameterSpecs` for widths read from a file: nil when a width is outside 1...`limit` or
    /// the total passes `limit`, so nothing is sized from an untrusted count that overflows.
    public func checkedParameterSpecs(limit: Int) -> [(name: String, shape: [Int], decays: Bool)]? {
        let w = widths + (residual.map { [$0.hidden, $0.blocks] } ?? []) + (embedding.map { [$0.inputs] + $0.levels + $0.dims } ?? [])
            + (embedding?.periodic.map { [$0.columns.count, $0.frequencies, $0.width] } ?? [])
        guard w.count >= 2, w.allSatisfy({ (1...limit).contains($0) }) else { return nil }
        // Doubles first: each product of two widths <= 2^53 is finite, so the sum bounds the Ints.
        guard estimatedParameterCount <= Double(limit) else { return nil }
        return parameterSpecs
    }

    /// The parameter count in doubles (no overflow for any widths), for memory estimates.
    public var estimatedParameterCount: Double {
        let n = Double(1 + norm.tensorNames.count)
        var tables = embedding.map { e in zip(e.levels, e.dims).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } } ?? 0
        if let p = embedding?.periodic {
            tables += Double(p.columns.count) * (Double(p.frequencies) + Double(p.width) * (2 * Double(p.frequencies) + 1))
        }
        if let r = residual {
            let (i, k, h, o) = (Double(denseInputs), Double(r.width), Double(r.hidden), Double(outputs))
            return tables + (i + 1) * k + Double(r.blocks) * (n * k + 2 * k * h + h) + n * k + (k + 1) * o
        }
        let w = widths.map(Double.init)
        return tables + (0..<(w.count - 1)).reduce(0.0) { $0 + w[$1] * w[$1 + 1] + w[$1 + 1] * (normalizes(layer: $1) ? n : 1) }
    }

    /// Forward FLOPs per sample (2 per multiply-add of every dense layer).
    public var forwardFLOPsPerSample: Double {
        if let r = residual {
            let (i, k, h, o) = (Double(denseInputs), Double(r.width), Double(r.hidden), Double(outputs))
            return 2 * (i * k + Double(r.blocks) * 2 * k * h + k * o)
        }
        let w = widths
        return (0..<(w.count - 1)).reduce(0.0) { $0 + 2 * Double(w[$1]) * Double(w[$1 + 1]) }
    }

    /// Throws a `ModelError` naming the first invalid field.
    public func validate() throws {
        guard inputs > 0 else { throw ModelError(.invalidArchitecture(key: nil, problem: "the model has no input features")) }
        guard outputs > 0 else { throw ModelError(.invalidArchitecture(key: nil, problem: "the model has no outputs")) }
        if let bad = hidden.first(where: { $0 <= 0 }) { throw ModelError(.invalidArchitecture(key: "model.hidden", problem: "layer width \(bad) must be positive")) }
        guard dropout >= 0 && dropout < 1 else { throw ModelError(.invalidArchitecture(key: "model.dropout", problem: "\(dropout) must be in [0, 1)")) }
        if let e = embedding {
            try e.validate()
            guard e.inputs == inputs else { throw ModelError(.invalidArchitecture(key: "embedding", problem: "\(e.inputs) inputs, the network has \(inputs)")) }
        }
        if let r = residual {
            guard hidden.isEmpty else { throw ModelError(.invalidArchitecture(key: "model.hidden", problem: "a resnet has blocks, not hidden layers")) }
            guard r.blocks >= 1, r.width >= 1, r.hidden >= 1 else { throw ModelError(.invalidArchitecture(key: "model", problem: "a resnet needs blocks, width and block_hidden of at least 1")) }
        }
    }
}
