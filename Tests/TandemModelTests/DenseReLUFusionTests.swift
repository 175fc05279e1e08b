import TandemModel
import TandemTensor
import Testing

/// `StageNetwork` runs a dense layer followed by a ReLU as one (bias and ReLU in one pass
/// forward, ReLU's derivative and the bias gradient in one pass backward): the output, every
/// parameter gradient and the input gradient must be the bits of running the layers one by one.
@Suite struct DenseReLUFusionTests {
    static let widths = [13, 17, 9, 5]
    static let rows = 7

    /// Dense 13->17, ReLU, Dense 17->9, ReLU, Dense 9->5 over one arena with random values.
    static func makeLayers() -> (ParameterArena, [any Layer]) {
        var specs: [(name: String, shape: [Int], decays: Bool)] = []
        for i in 0..<(widths.count - 1) {
            specs.append(("w\(i)", [widths[i + 1], widths[i]], true))
            specs.append(("b\(i)", [widths[i + 1]], false))
        }
        let arena = ParameterArena(specs)
        let values = randomFloats(arena.count, seed: 21)
        for i in values.indices { arena.params.base[i] = values[i] }
        var layers: [any Layer] = []
        for i in 0..<(widths.count - 1) {
            layers.append(Dense(arena: arena, weight: arena.slots[2 * i], bias: arena.slots[2 * i + 1]))
            if i < widths.count - 2 { layers.append(ActivationLayer(.relu, features: widths[i + 1])) }
        }
        return (arena, layers)
    }

    @Test func fusedStageGivesTheLayerByLayerBits() throws {
        var x = randomFloats(Self.rows * Self.widths[0], seed: 22, scale: 2)
        x[3] = 0
        let dOut = randomFloats(Self.rows * Self.widths[3], seed: 23)
        let context = ForwardContext(training: true)

        // Layer by layer, through the Layer protocol.
        let (refArena, refLayers) = Self.makeLayers()
        refArena.zeroGrads()
        var outputs: [[Float]] = []
        var input = x
        for layer in refLayers {
            var y = [Float](repeating: 0, count: Self.rows * layer.outFeatures)
            try input.withUnsafeBufferPointer { px in
                try y.withUnsafeMutableBufferPointer { try layer.forward(px.baseAddress!, $0.baseAddress!, saved: nil, rows: Self.rows, context: context) }
            }
            outputs.append(y)
            input = y
        }
        var dy = dOut
        for j in stride(from: refLayers.count - 1, through: 0, by: -1) {
            let layerInput = j == 0 ? x : outputs[j - 1]
            var dx = [Float](repeating: 0, count: Self.rows * refLayers[j].inFeatures)
            try layerInput.withUnsafeBufferPointer { px in
                try outputs[j].withUnsafeBufferPointer { py in
                    try dy.withUnsafeBufferPointer { pdy in
                        try dx.withUnsafeMutableBufferPointer {
                            try refLayers[j].backward(x: px.baseAddress!, y: py.baseAddress!, dy: pdy.baseAddress!, dx: $0.baseAddress!,
                                                      saved: nil, rows: Self.rows, context: context, gradientsReady: { _ in })
                        }
                    }
                }
            }
            dy = dx
        }

        // The stage, with the fusion.
        let (arena, layers) = Self.makeLayers()
        arena.zeroGrads()
        let stage = StageNetwork(layers: layers)
        stage.reserve(rows: Self.rows)
        let slot = stage.acquire()
        var ready: [Range<Int>] = []
        let out = try x.withUnsafeBufferPointer { px in
            let y = try stage.forward(slot, input: px.baseAddress!, rows: Self.rows, context: context)
            let result = Array(UnsafeBufferPointer(start: y, count: Self.rows * Self.widths[3]))
            for i in dOut.indices { stage.outputGradient(slot)[i] = dOut[i] }
            try stage.backward(slot, needInputGradient: true) { ready.append($0) }
            return result
        }
        let inputGradient = Array(UnsafeBufferPointer(start: stage.inputGradient(slot), count: Self.rows * Self.widths[0]))

        #expect(out.map(\.bitPattern) == outputs[outputs.count - 1].map(\.bitPattern))
        #expect(arena.grads.array.map(\.bitPattern) == refArena.grads.array.map(\.bitPattern))
        #expect(inputGradient.map(\.bitPattern) == dy.map(\.bitPattern))
        // Every dense layer reported its gradients complete, last layer first.
        #expect(ready == [4, 2, 0].map { (layers[$0] as? Dense)?.parameterRange ?? 0..<0 })
    }
}
