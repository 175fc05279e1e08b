import TandemModel
import TandemTensor
import Testing

/// A dense layer's products from its packed weights (`packWeights`, as a pipeline stage packs
/// them once per step) against the same products packing W per call, bit for bit; after
/// `dropWeightPacks` the products read the changed W.
@Suite struct DenseWeightPackTests {
    static let (inF, outF, rows) = (300, 70, 32)

    static func makeLayer() -> (ParameterArena, Dense) {
        let arena = ParameterArena([("w", [outF, inF], true), ("b", [outF], false)])
        let values = randomFloats(arena.count, seed: 21)
        for i in values.indices { arena.params.base[i] = values[i] }
        return (arena, Dense(arena: arena, weight: arena.slots[0], bias: arena.slots[1]))
    }

    /// y = x W^T `[rows, out]` and dx = dy W `[rows, in]`, as the layer computes them now.
    static func products(_ dense: Dense, x: [Float], dy: [Float]) -> (y: [UInt32], dx: [UInt32]) {
        var y = [Float](repeating: .nan, count: rows * outF), dx = [Float](repeating: .nan, count: rows * inF)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { dense.forwardProduct(px.baseAddress!, $0.baseAddress!, rows: rows) }
        }
        dy.withUnsafeBufferPointer { pd in
            dx.withUnsafeMutableBufferPointer { dense.backwardInput(dy: pd.baseAddress!, dx: $0.baseAddress!, rows: rows) }
        }
        return (y.map(\.bitPattern), dx.map(\.bitPattern))
    }

    @Test func packedProductsAreThePerCallBitsAndDroppedPacksFollowW() {
        let (arena, dense) = Self.makeLayer()
        let x = randomFloats(Self.rows * Self.inF, seed: 22), dy = randomFloats(Self.rows * Self.outF, seed: 23)
        let want = Self.products(dense, x: x, dy: dy)
        dense.packWeights(forward: true)
        dense.packWeights(forward: false)
        #expect(dense.hasWeightPack(forward: true) == GEMMKernel.available)
        #expect(dense.hasWeightPack(forward: false) == GEMMKernel.available)
        let got = Self.products(dense, x: x, dy: dy)
        #expect(got.y == want.y)
        #expect(got.dx == want.dx)
        // W changes (an optimizer step) after the packs are dropped: the products read it.
        dense.dropWeightPacks()
        #expect(!dense.hasWeightPack(forward: true) && !dense.hasWeightPack(forward: false))
        for i in 0..<(Self.outF * Self.inF) { arena.params.base[i] *= -0.5 }
        let changed = Self.products(dense, x: x, dy: dy)
        #expect(changed.y != want.y)
        dense.packWeights(forward: true)
        dense.packWeights(forward: false)
        let repacked = Self.products(dense, x: x, dy: dy)
        #expect(repacked.y == changed.y && repacked.dx == changed.dx)
    }
}
