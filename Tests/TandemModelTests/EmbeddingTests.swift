import TandemModel
import TandemTensor
import Testing

/// Categorical embeddings: the auto width, the lookup (a code outside its table reads the
/// reserved row), the scatter-add gradient, and every parameter of networks with embeddings
/// against finite differences.
@Suite struct EmbeddingTests {
    /// 5 inputs: codes at columns 1 (4 rows: 3 categories + reserved) and 3 (3 rows).
    static let shape = EmbeddingShape(inputs: 5, columns: [1, 3], levels: [4, 3], dims: [2, 3])

    /// `NetworkGradientTests.x` (8 rows) with codes in columns 1 and 3: every category, the
    /// reserved row, and codes that read it (out of range, negative, fractional, NaN).
    static let x: [Float] = {
        var x = NetworkGradientTests.x
        let first: [Float] = [0, 1, 2, 3, 7, 1, -1, 0.5]
        let second: [Float] = [2, 0, .nan, 1, 1, 2, 0, 5]
        for r in 0..<8 {
            x[r * 5 + 1] = first[r]
            x[r * 5 + 3] = second[r]
        }
        return x
    }()

    @Test func autoDimFollowsTheFormula() {
        // min(32, round(1.6 * levels^0.56))
        #expect([1, 2, 3, 4, 10, 100, 1000].map(EmbeddingShape.autoDim) == [2, 2, 3, 3, 6, 21, 32])
    }

    /// y = [numeric columns, table 0 row, table 1 row]; bad codes read the last row.
    @Test func forwardLooksUpRowsAndReservesTheLast() throws {
        let arena = ParameterArena(Self.shape.parameterSpecs)
        for i in 0..<arena.count { arena.params.base[i] = Float(i) }   // table 0: rows [0,1] [2,3] [4,5] [6,7]; table 1 from 8
        let layer = try Embedding(shape: Self.shape, arena: arena)
        #expect(layer.inFeatures == 5 && layer.outFeatures == 3 + 2 + 3)
        let x: [Float] = [10, 2, 11, 1, 12,
                          20, 9, 21, .nan, 22,
                          30, -1, 31, 2.5, 32]
        let y = forward(layer, x, rows: 3)
        #expect(y == [10, 11, 12, 4, 5, 11, 12, 13,
                      20, 21, 22, 6, 7, 14, 15, 16,
                      30, 31, 32, 6, 7, 14, 15, 16])
    }

    /// The table gradient is a scatter-add (a code used twice accumulates both rows); dx passes
    /// dy to the numeric columns and is zero at the codes.
    @Test func backwardScatterAdds() throws {
        let arena = ParameterArena(Self.shape.parameterSpecs)
        let layer = try Embedding(shape: Self.shape, arena: arena)
        let x: [Float] = [1, 0, 2, 1, 3,
                          4, 0, 5, 7, 6]
        let dy = (0..<16).map { Float($0 + 1) }
        arena.zeroGrads()
        let (_, dx) = forwardBackward(layer, x, dy: dy, rows: 2)
        #expect(dx == [1, 0, 2, 0, 3, 9, 0, 10, 0, 11])
        let g = arena.grads.array
        #expect(Array(g[0..<2]) == [4 + 12, 5 + 13])            // table 0 row 0: both rows
        #expect(g[2..<8].allSatisfy { $0 == 0 })
        #expect(Array(g[8 + 3..<8 + 6]) == [6, 7, 8])           // table 1 row 1
        #expect(Array(g[8 + 6..<8 + 9]) == [14, 15, 16])        // code 7 -> reserved row 2
    }

    /// Every parameter (tables included) against finite differences, in an MLP with batch
    /// normalization and in a resnet with layer normalization; each table row a code reads gets gradient.
    @Test func everyParameterGradientMatchesFiniteDifferences() throws {
        let head = LossHead.softmaxCrossEntropy(classes: 3)
        let specs = [NetworkSpec(inputs: 5, hidden: [6], outputs: 3, activation: .tanh, initScheme: .xavier, norm: .batch, embedding: Self.shape),
                     NetworkSpec(inputs: 5, hidden: [], outputs: 3, activation: .tanh, dropout: 0.2, initScheme: .xavier, norm: .layer,
                                 residual: ResidualShape(blocks: 1, width: 4, hidden: 5), embedding: Self.shape)]
        for spec in specs {
            #expect(spec.widths[0] == 3 + 2 + 3)
            #expect(spec.parameterSpecs.prefix(2).map(\.name) == ["embeddings.0.weight", "embeddings.1.weight"])
            let net = try Network(spec: spec)
            try Initializer.initialize(net.arena, scheme: .xavier, seed: 5)
            let checked = expectParameterGradientsMatchFiniteDifferences(net, head, "embedding \(spec.residual == nil ? "mlp" : "resnet")", x: Self.x)
            for t in checked.filter({ $0.name.hasPrefix("embeddings.") }) {
                let dim = t.name == "embeddings.0.weight" ? 2 : 3
                let rows = t.gradient.count / dim
                for r in 0..<rows {
                    #expect(t.gradient[(r * dim)..<((r + 1) * dim)].contains { abs($0) > 1e-5 }, "\(t.name) row \(r) has no gradient")
                }
            }
        }
    }

    /// Periodic numeric embeddings (PLR) after the tables, and alone next to raw columns: every
    /// parameter against finite differences (step 1e-3: the embeddings' ReLUs have kinks that a
    /// 1e-2 step crosses), and the output widths.
    @Test func periodicEmbeddingGradientsMatchFiniteDifferences() throws {
        let head = LossHead.softmaxCrossEntropy(classes: 3)
        var withTables = Self.shape
        withTables.periodic = PeriodicShape(columns: [0, 1, 2], frequencies: 3, width: 2)
        let alone = EmbeddingShape(inputs: 5, columns: [], levels: [], dims: [], periodic: PeriodicShape(columns: [0, 2, 4], frequencies: 2, width: 3))
        for (shape, width) in [(withTables, 3 * 2 + 5), (alone, 3 * 3 + 2)] {
            #expect(shape.outputWidth == width)
            let spec = NetworkSpec(inputs: 5, hidden: [6], outputs: 3, activation: .tanh, initScheme: .xavier, embedding: shape)
            let net = try Network(spec: spec)
            try Initializer.initialize(net.arena, scheme: .xavier, seed: 5)
            // Frequencies of order 0.3 (not the 0.01 start) so sin and cos are far from linear.
            let c = try #require(net.arena.slot(named: "numeric.frequencies"))
            let noise = randomFloats(c.count, seed: 8, scale: 0.4)
            for i in 0..<c.count { net.arena.params.base[c.offset + i] = noise[i] }
            let x = shape.columns.isEmpty ? NetworkGradientTests.x : Self.x
            let checked = expectParameterGradientsMatchFiniteDifferences(net, head, "periodic \(shape.columns.isEmpty ? "alone" : "after tables")", x: x, h: 1e-3)
            for t in checked where t.name.hasPrefix("numeric.") {
                #expect(t.gradient.contains { abs($0) > 1e-4 }, "\(t.name) gradient is all ~0")
            }
        }
    }

    @Test func badShapesAreModelErrors() {
        #expect(throws: ModelError.self) { try EmbeddingShape(inputs: 5, columns: [1, 1], levels: [3, 3], dims: [2, 2]).validate() }
        #expect(throws: ModelError.self) { try EmbeddingShape(inputs: 5, columns: [5], levels: [3], dims: [2]).validate() }
        #expect(throws: ModelError.self) { try EmbeddingShape(inputs: 5, columns: [1], levels: [3], dims: [0]).validate() }
        #expect(throws: ModelError.self) { try NetworkSpec(inputs: 6, hidden: [4], outputs: 2, embedding: Self.shape).validate() }
    }
}
