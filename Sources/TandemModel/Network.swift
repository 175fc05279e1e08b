import TandemTensor

/// A sequential dense network over a `ParameterArena`: Dense -> activation [-> dropout] per hidden
/// layer, then a final Dense producing logits or values.
///
/// Shapes: input `[rows, spec.inputs]`, output `[rows, spec.outputs]`. Workspaces for every
/// intermediate activation and its gradient are allocated for `capacity` rows and reused, so a
/// training step allocates nothing.
public final class Network {
    public let spec: NetworkSpec
    public let arena: ParameterArena
    public let layers: [any Layer]
    private var capacity = 0
    private var activations: [FloatBuffer] = []   // activations[i] = output of layers[i]
    private var gradients: [FloatBuffer] = []     // gradients[i] = d loss / d activations[i]
    private var lastInput: UnsafePointer<Float>?
    private var lastRows = 0

    /// Builds the layers of `spec` over a new arena (parameters zero until initialized or loaded).
    public init(spec: NetworkSpec) throws {
        try spec.validate()
        self.spec = spec
        arena = ParameterArena(spec.parameterSpecs)
        var layers: [any Layer] = []
        let w = spec.widths
        for i in 0..<(w.count - 1) {
            let dense = Dense(arena: arena, weight: arena.slots[2 * i], bias: arena.slots[2 * i + 1])
            layers.append(dense)
            if i < w.count - 2 {
                layers.append(ActivationLayer(spec.activation, features: w[i + 1]))
                if spec.dropout > 0 { layers.append(Dropout(rate: Float(spec.dropout), features: w[i + 1], layerIndex: i)) }
            }
        }
        self.layers = layers
    }

    /// Ensures workspaces hold at least `rows` rows.
    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        capacity = rows
        activations = layers.map { FloatBuffer(count: rows * $0.outFeatures) }
        gradients = layers.map { FloatBuffer(count: rows * $0.outFeatures) }
        for l in layers { l.reserve(rows: rows) }
    }

    /// Runs the network on `input` `[rows, inputs]`; returns the output `[rows, outputs]`, valid
    /// until the next call. `input` must stay valid until `backward` is done.
    public func forward(_ input: UnsafePointer<Float>, rows: Int, context: ForwardContext) -> UnsafeMutablePointer<Float> {
        reserve(rows: rows)
        var x = input
        for (i, layer) in layers.enumerated() {
            layer.forward(x, activations[i].base, rows: rows, context: context)
            x = UnsafePointer(activations[i].base)
        }
        lastInput = input
        lastRows = rows
        return activations[layers.count - 1].base
    }

    /// The buffer to write d loss / d output `[rows, outputs]` into before calling `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { gradients[layers.count - 1].base }

    /// Backpropagates `outputGradient` through the last `forward`, accumulating into `arena.grads`.
    ///
    /// `parametersReady` is called with the arena range of each dense layer's parameters as
    /// soon as their gradients are complete (last layer first, before that layer's input
    /// gradient is computed), so gradient communication can start while backward continues.
    public func backward(parametersReady: ((Range<Int>) -> Void)? = nil) {
        guard let input = lastInput else { return }
        let rows = lastRows
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let x = i == 0 ? input : UnsafePointer(activations[i - 1].base)
            let dx = i == 0 ? nil : gradients[i - 1].base
            if let dense = layers[i] as? Dense, let parametersReady {
                dense.backwardParameters(x: x, dy: gradients[i].base, rows: rows)
                parametersReady(dense.parameterRange)
                if let dx { dense.backwardInput(dy: gradients[i].base, dx: dx, rows: rows) }
            } else {
                layers[i].backward(x: x, y: activations[i].base, dy: gradients[i].base, dx: dx, rows: rows)
            }
        }
    }

    /// Inference on a whole matrix `[n, inputs]` in chunks; returns `[n, outputs]`.
    public func predict(_ x: Matrix, chunk: Int = 1024) -> Matrix {
        precondition(x.cols == spec.inputs, "predict: \(x.cols) columns, model expects \(spec.inputs)")
        var out = Matrix(rows: x.rows, cols: spec.outputs)
        x.values.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return }
            var start = 0
            while start < x.rows {
                let n = min(chunk, x.rows - start)
                let y = forward(base + start * x.cols, rows: n, context: ForwardContext(training: false))
                for i in 0..<(n * spec.outputs) { out.values[start * spec.outputs + i] = y[i] }
                start += n
            }
        }
        return out
    }
}
