import TandemFormats
import TandemModel
import TandemTensor
import Testing
import TestSupport

@Suite struct NetworkTests {
    @Test func layersFollowTheSpec() throws {
        let net = try Network(spec: NetworkSpec(inputs: 5, hidden: [7, 4], outputs: 3, activation: .gelu, dropout: 0.2))
        let kinds = net.layers.map { String(describing: type(of: $0)) }
        #expect(kinds == ["Dense", "ActivationLayer", "Dropout", "Dense", "ActivationLayer", "Dropout", "Dense"])
        #expect(net.layers.map(\.inFeatures) == [5, 7, 7, 7, 4, 4, 4])
        #expect(net.layers.map(\.outFeatures) == [7, 7, 7, 4, 4, 4, 3])
        #expect((net.layers[1] as? ActivationLayer)?.function == .gelu)
        #expect(net.arena.count == 5 * 7 + 7 + 7 * 4 + 4 + 4 * 3 + 3)
        #expect(net.arena.params.array.allSatisfy { $0 == 0 })   // zero until initialized

        let plain = try Network(spec: NetworkSpec(inputs: 5, hidden: [7], outputs: 3))
        #expect(plain.layers.count == 3)   // no dropout layers at rate 0
        let linear = try Network(spec: NetworkSpec(inputs: 5, hidden: [], outputs: 2))
        #expect(linear.layers.count == 1 && linear.layers[0] is Dense)
    }

    @Test func invalidSpecThrows() {
        #expect(throws: ModelError.self) { try Network(spec: NetworkSpec(inputs: 5, hidden: [0], outputs: 3)) }
    }

    /// A linear model (no hidden layers) computes x W^T + b exactly as set.
    @Test func linearModelForward() throws {
        let net = try Network(spec: NetworkSpec(inputs: 2, hidden: [], outputs: 1))
        try net.arena.load([NamedTensor(name: "layers.0.weight", shape: [1, 2], values: [2, -1]),
                            NamedTensor(name: "layers.0.bias", shape: [1], values: [0.5])])
        let out = try net.predict(Matrix(rows: 3, cols: 2, values: [1, 1, 0, 2, 3, -1]))
        #expect(out.values == [1.5, -1.5, 7.5])
    }

    /// predict ignores dropout and gives the same result for any chunk size (tolerance 1e-6
    /// relative: GEMM blocking may differ with the row count).
    @Test func predictIsChunkIndependentAndDeterministic() throws {
        let net = try Network(spec: NetworkSpec(inputs: 5, hidden: [7, 4], outputs: 3, activation: .tanh, dropout: 0.5))
        try Initializer.initialize(net.arena, scheme: .he, seed: 1)
        let x = Matrix(rows: 11, cols: 5, values: randomFloats(55, seed: 2))
        let all = try net.predict(x)
        #expect(all.rows == 11 && all.cols == 3)
        for chunk in [1, 3, 4, 11, 100] {
            #expect(relativeDifference(try net.predict(x, chunk: chunk).values, all.values) <= 1e-6, "chunk \(chunk)")
        }
        #expect(try net.predict(x) == all)
        // Row 4 alone equals row 4 of the batch.
        #expect(relativeDifference(try net.predict(x.gathering(rows: [4])).values, all.row(4)) <= 1e-6)
        #expect(try net.predict(Matrix(rows: 0, cols: 5)).rows == 0)
    }

    /// Training-mode forward with dropout differs from inference; with the same context it repeats.
    @Test func trainingForwardUsesDropout() throws {
        let net = try Network(spec: NetworkSpec(inputs: 5, hidden: [16], outputs: 2, activation: .relu, dropout: 0.5))
        try Initializer.initialize(net.arena, scheme: .he, seed: 3)
        let x = randomFloats(20, seed: 4)
        let ctx = ForwardContext(training: true, step: 1, rowOffset: 0, seed: 7)
        func run(_ c: ForwardContext) -> [Float] {
            x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: try! net.forward($0.baseAddress!, rows: 4, context: c), count: 8)) }
        }
        let t1 = run(ctx), t2 = run(ctx), inf = run(ForwardContext(training: false))
        #expect(t1 == t2)
        #expect(t1 != inf)
        #expect(try inf == net.predict(Matrix(rows: 4, cols: 5, values: x)).values)
    }
}
