import TandemModel
import TandemTensor
import Testing

/// A network reading its dense weights transposed once (`useInferenceWeights`) predicts the same
/// bits as reading W per call, for an MLP and a residual network, one row and many; networks
/// loaded from the same parameters share one copy.
@Suite struct InferenceWeightsTests {
    static let specs: [NetworkSpec] = [
        NetworkSpec(inputs: 64, hidden: [128], outputs: 10, activation: .relu),
        NetworkSpec(inputs: 5, hidden: [33, 7], outputs: 3, activation: .gelu, dropout: 0.3),
        NetworkSpec(inputs: 5, hidden: [], outputs: 3, norm: .layer, residual: ResidualShape(blocks: 2, width: 4, hidden: 6)),
    ]

    @Test(arguments: 0..<3)
    func predictionsAreBitwiseTheSame(_ which: Int) throws {
        let spec = Self.specs[which]
        let plain = try Network(spec: spec), packed = try Network(spec: spec)
        try Initializer.initialize(plain.arena, scheme: .he, seed: 5)
        try Initializer.initialize(packed.arena, scheme: .he, seed: 5)
        let weights = InferenceWeights(packed)
        packed.useInferenceWeights(weights)
        let dense = packed.denseLayers
        // Every dense layer (residual blocks' included): one per 2-D weight in the arena.
        #expect(dense.count == packed.arena.slots.filter { $0.shape.count == 2 }.count)
        #expect(dense.allSatisfy { ($0.inferenceWeight != nil) == GEMMKernel.available })
        for rows in [1, 3, 64, 1000] {
            let x = Matrix(rows: rows, cols: spec.inputs, values: randomFloats(rows * spec.inputs, seed: UInt64(rows)))
            let want = try plain.predict(x), got = try packed.predict(x)
            #expect(got.values.map(\.bitPattern) == want.values.map(\.bitPattern), "spec \(which) rows \(rows)")
        }
        // A second network with the same parameters shares the first one's copy.
        let other = try Network(spec: spec)
        try Initializer.initialize(other.arena, scheme: .he, seed: 5)
        other.useInferenceWeights(weights)
        for (a, b) in zip(other.denseLayers, dense) { #expect(a.inferenceWeight === b.inferenceWeight) }
        let x = Matrix(rows: 1, cols: spec.inputs, values: randomFloats(spec.inputs, seed: 99))
        #expect(try other.predict(x).values.map(\.bitPattern) == plain.predict(x).values.map(\.bitPattern))
    }
}
