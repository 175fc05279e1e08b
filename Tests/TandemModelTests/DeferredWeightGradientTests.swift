import TandemModel
import TandemTensor
import Testing

/// `StageNetwork`'s deferred weight gradients: micro-batches backpropagated with
/// `keepingRowsAt` their row offset, then `weightGradients` over the whole batch, give every
/// parameter gradient and every input gradient of one backward over the whole batch, bit for
/// bit (dW is the same product over the same rows; db sums the rows in the same order).
@Suite struct DeferredWeightGradientTests {
    static let widths = DenseReLUFusionTests.widths
    /// Micro-batches of 3, 2 and 4 rows: the whole batch is 9 rows.
    static let parts = [3, 2, 4]

    /// Runs forward and backward over `pieces` (row counts) of `x`; returns the input gradient
    /// and the parameter ranges reported ready, in order.
    static func run(_ stage: StageNetwork, pieces: [Int], x: [Float], dOut: [Float], defer deferred: Bool,
                    afterBackward: (Int) -> Void = { _ in }) throws -> ([Float], [Range<Int>]) {
        let rows = pieces.reduce(0, +)
        let inWidth = widths[0], outWidth = widths[widths.count - 1]
        stage.reserve(rows: pieces.max() ?? 0, batchRows: deferred ? rows : 0)
        var ready: [Range<Int>] = []
        var inputGradient = [Float](repeating: 0, count: rows * inWidth)
        try x.withUnsafeBufferPointer { px in
            guard let base = px.baseAddress else { return }
            var offset = 0
            for n in pieces {
                let slot = stage.acquire()
                _ = try stage.forward(slot, input: base + offset * inWidth, rows: n, context: ForwardContext(training: true))
                for i in 0..<(n * outWidth) { stage.outputGradient(slot)[i] = dOut[offset * outWidth + i] }
                try stage.backward(slot, needInputGradient: true, keepingRowsAt: deferred ? offset : nil) { ready.append($0) }
                for i in 0..<(n * inWidth) { inputGradient[offset * inWidth + i] = stage.inputGradient(slot)[i] }
                stage.release(slot)
                offset += n
                afterBackward(offset)
            }
        }
        if deferred { stage.weightGradients(rows: rows) { ready.append($0) } }
        return (inputGradient, ready)
    }

    @Test func deferredMicroBatchesGiveTheWholeBatchBits() throws {
        let rows = Self.parts.reduce(0, +)
        var x = randomFloats(rows * Self.widths[0], seed: 31, scale: 2)
        x[5] = 0
        let dOut = randomFloats(rows * Self.widths[Self.widths.count - 1], seed: 32)

        let (refArena, refLayers) = DenseReLUFusionTests.makeLayers()
        refArena.zeroGrads()
        let (refDx, refReady) = try Self.run(StageNetwork(layers: refLayers), pieces: [rows], x: x, dOut: dOut, defer: false)

        let (arena, layers) = DenseReLUFusionTests.makeLayers()
        arena.zeroGrads()
        let (dx, ready) = try Self.run(StageNetwork(layers: layers), pieces: Self.parts, x: x, dOut: dOut, defer: true)

        #expect(arena.grads.array.map(\.bitPattern) == refArena.grads.array.map(\.bitPattern))
        #expect(dx.map(\.bitPattern) == refDx.map(\.bitPattern))
        // Every dense layer reported once, last layer first, after its weight gradient.
        #expect(ready == refReady)
        #expect(ready.count == 3)
    }

    /// Without deferral the micro-batches' dW are summed per micro-batch: not the same bits in
    /// general, which is what deferral removes (this case differs, so the test above can fail).
    @Test func microBatchesWithoutDeferralRoundDifferently() throws {
        let rows = Self.parts.reduce(0, +)
        let x = randomFloats(rows * Self.widths[0], seed: 31, scale: 2)
        let dOut = randomFloats(rows * Self.widths[Self.widths.count - 1], seed: 32)
        let (refArena, refLayers) = DenseReLUFusionTests.makeLayers()
        refArena.zeroGrads()
        _ = try Self.run(StageNetwork(layers: refLayers), pieces: [rows], x: x, dOut: dOut, defer: false)
        let (arena, layers) = DenseReLUFusionTests.makeLayers()
        arena.zeroGrads()
        _ = try Self.run(StageNetwork(layers: layers), pieces: Self.parts, x: x, dOut: dOut, defer: false)
        #expect(arena.grads.array.map(\.bitPattern) != refArena.grads.array.map(\.bitPattern))
    }

    /// Blocks of dW summed ahead over the rows kept so far (`weightGradientPiece`, as a pipeline
    /// stage does in its cool-down waits), then completed by `weightGradients`: the whole batch's
    /// bits, with dW overwritten (whatever it held is never read), for no, some and every block
    /// started, and in two steps in a row (the blocks start afresh).
    @Test func weightGradientPiecesGiveTheWholeBatchBits() throws {
        let rows = Self.parts.reduce(0, +)
        let x = randomFloats(rows * Self.widths[0], seed: 41, scale: 2)
        let dOut = randomFloats(rows * Self.widths[Self.widths.count - 1], seed: 42)
        let (refArena, refLayers) = DenseReLUFusionTests.makeLayers()
        refArena.zeroGrads()
        let (refDx, refReady) = try Self.run(StageNetwork(layers: refLayers), pieces: [rows], x: x, dOut: dOut, defer: false)

        for (ahead, after) in [(0, 3), (1, 3), (2, 5), (9, 5), (9, 9)] {  // blocks started, after that many rows
            let (arena, layers) = DenseReLUFusionTests.makeLayers()
            for d in layers.compactMap({ $0 as? Dense }) { d.overwritesWeightGradient = true }
            let stage = StageNetwork(layers: layers)
            for step in 0..<2 {
                arena.zeroGrads()
                for d in layers.compactMap({ $0 as? Dense }) { arena.grads.base.advanced(by: d.weightOffset).update(repeating: .nan, count: d.weightRange.count) }
                var started = 0
                let (dx, ready) = try Self.run(stage, pieces: Self.parts, x: x, dOut: dOut, defer: true) { done in
                    guard done >= after else { return }
                    while started < ahead, stage.hasWeightGradientPiece {
                        #expect(stage.weightGradientPiece(rows: done) == GEMMKernel.available)
                        started += 1
                        if !GEMMKernel.available { break }
                    }
                }
                let label = "\(ahead) blocks after \(after) rows, step \(step)"
                #expect(arena.grads.array.map(\.bitPattern) == refArena.grads.array.map(\.bitPattern), "\(label)")
                #expect(dx.map(\.bitPattern) == refDx.map(\.bitPattern), "\(label)")
                #expect(ready == refReady, "\(label)")
                if ahead >= 3 && GEMMKernel.available { #expect(started == 3, "\(label): one block per layer") }
            }
        }
    }
}
