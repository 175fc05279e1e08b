import TandemTensor

/// The whole model of a `NetworkSpec` over one `ParameterArena`: [Embedding ->] Dense [-> norm] -> activation
/// [-> dropout] per hidden layer, then a final Dense producing logits or values
/// (`NetworkSpec.layers`), run by a `StageNetwork` with one micro-batch in flight. Used where
/// the model is whole in one process: export, inference, tests' references. Training runs the
/// same layers through `StageNetwork` for every layout.
///
/// Shapes: input `[rows, spec.inputs]`, output `[rows, spec.outputs]`. Workspaces are
/// allocated for the largest `rows` seen and reused.
public final class Network {
    public let spec: NetworkSpec
    public let arena: ParameterArena
    public let layers: [any Layer]
    let stage: StageNetwork
    private var slot: Int?

    /// Builds the layers of `spec` over a new arena (parameters zero until initialized or loaded).
    public init(spec: NetworkSpec) throws {
        try spec.validate()
        self.spec = spec
        let arena = ParameterArena(spec.parameterSpecs)
        self.arena = arena
        if spec.residual != nil {
            layers = try spec.residualLayers(0..<spec.unitCount, arena: arena, replicas: nil)
            stage = StageNetwork(layers: layers)
            return
        }
        layers = try spec.layers(0..<(spec.widths.count - 1), arena: arena, dense: { i in
            guard let w = arena.slot(named: "layers.\(i).weight"), let b = arena.slot(named: "layers.\(i).bias") else {
                throw ModelError(.layerWithoutParameters(layer: i, inShard: false))
            }
            return Dense(arena: arena, weight: w, bias: b)
        }, normalization: { i, d in
            try spec.normalizationLayer(i, arena: arena, columns: 0..<d.outFeatures, wholeFeatures: d.outFeatures, replicas: nil, shards: nil)
        })
        stage = StageNetwork(layers: layers)
    }

    /// Ensures workspaces hold at least `rows` rows.
    public func reserve(rows: Int) {
        if rows > stage.capacity { stage.reserve(rows: rows); slot = nil }
        if slot == nil { slot = stage.acquire() }
    }

    private var current: Int {
        if let slot { return slot }
        let s = stage.acquire()
        slot = s
        return s
    }

    /// Runs the network on `input` `[rows, inputs]`; returns the output `[rows, outputs]`, valid
    /// until the next call. `input` must stay valid until `backward` is done.
    public func forward(_ input: UnsafePointer<Float>, rows: Int, context: ForwardContext) throws -> UnsafeMutablePointer<Float> {
        reserve(rows: rows)
        return try stage.forward(current, input: input, rows: rows, context: context)
    }

    /// The buffer to write d loss / d output `[rows, outputs]` into before calling `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { stage.outputGradient(current) }

    /// Backpropagates `outputGradient` through the last `forward`, accumulating into
    /// `arena.grads`. `parametersReady` gets each dense layer's arena range as soon as its
    /// gradients are complete (last layer first).
    public func backward(parametersReady: (Range<Int>) -> Void = { _ in }) throws {
        try stage.backward(current, needInputGradient: false, gradientsReady: parametersReady)
    }

    /// Inference on a whole matrix `[n, inputs]` in chunks; returns `[n, outputs]`.
    public func predict(_ x: Matrix, chunk: Int = 1024) throws -> Matrix {
        precondition(x.cols == spec.inputs, "predict: \(x.cols) columns, model expects \(spec.inputs)")
        var out = Matrix(rows: x.rows, cols: spec.outputs)
        try x.values.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return }
            var start = 0
            while start < x.rows {
                let n = min(chunk, x.rows - start)
                let y = try forward(base + start * x.cols, rows: n, context: ForwardContext(training: false))
                for i in 0..<(n * spec.outputs) { out.values[start * spec.outputs + i] = y[i] }
                start += n
            }
        }
        return out
    }
}
