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

    public init(inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .relu,
                dropout: Double = 0, initScheme: InitScheme = .he) {
        self.inputs = inputs
        self.hidden = hidden
        self.outputs = outputs
        self.activation = activation
        self.dropout = dropout
        self.initScheme = initScheme
    }

    /// Layer widths including input and output: `[inputs] + hidden + [outputs]`.
    public var widths: [Int] { [inputs] + hidden + [outputs] }

    /// Parameter slots: `layers.i.weight` `[out, in]` and `layers.i.bias` `[out]` per dense layer.
    public var parameterSpecs: [(name: String, shape: [Int], decays: Bool)] {
        let w = widths
        var specs: [(name: String, shape: [Int], decays: Bool)] = []
        for i in 0..<(w.count - 1) {
            specs.append(("layers.\(i).weight", [w[i + 1], w[i]], true))
            specs.append(("layers.\(i).bias", [w[i + 1]], false))
        }
        return specs
    }

    /// Number of parameters (weights and biases of every dense layer).
    public var parameterCount: Int { parameterSpecs.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Forward FLOPs per sample (2 per multiply-add of every dense layer).
    public var forwardFLOPsPerSample: Double {
        let w = widths
        return (0..<(w.count - 1)).reduce(0.0) { $0 + 2 * Double(w[$1]) * Double(w[$1 + 1]) }
    }

    /// Throws a `ModelError` naming the first invalid field.
    public func validate() throws {
        guard inputs > 0 else { throw ModelError("the model has no input features") }
        guard outputs > 0 else { throw ModelError("the model has no outputs") }
        if let bad = hidden.first(where: { $0 <= 0 }) { throw ModelError("model.hidden: layer width \(bad) must be positive") }
        guard dropout >= 0 && dropout < 1 else { throw ModelError("model.dropout: \(dropout) must be in [0, 1)") }
    }
}
