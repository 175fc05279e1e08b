import TandemComm
import TandemModel
import TandemTensor

/// Megatron-LM's column-parallel linear layer: the output features of a dense layer `[out, in]`
/// split across the tensor-parallel group, this rank holding `outRange`. Built from a `Dense`
/// over the rank's shard (local W `[outRange.count, in]`, b `[outRange.count]`), so the GEMM and
/// bias code is `Dense`'s.
///
/// Shapes: x `[rows, in]` (replicated on every rank of the group). Forward: y_l = x W_l^T + b_l
/// `[rows, outRange.count]`; with `gatherOutput` (the last layer of a stage, whose output the
/// next stage or the loss needs whole), all-gathered into y `[rows, out]`. Backward: dW_l +=
/// dy_l^T x, db_l += column sums of dy_l, dx = allreduce_tp(dy_l W_l) `[rows, in]` (the
/// backward half of Megatron's f/g pair with `RowParallelDense`).
public final class ColumnParallelDense: Layer {
    /// The rank's shard as a plain dense layer.
    public let local: Dense
    let tp: Communicator
    /// The output features of the whole layer this rank computes.
    public let outRange: Range<Int>
    /// Output features of the whole layer.
    public let wholeOutFeatures: Int
    public let gatherOutput: Bool
    private var scratch = FloatBuffer(count: 0)
    private var gathered = FloatBuffer(count: 0)
    /// Output columns of each tensor-parallel rank (the same `EvenSplit` on every rank).
    private let columnsOf: [Range<Int>]
    private var counts: [Int32]
    private var displacements: [Int32]

    /// `local` holds rows `outRange` of the whole layer's W and b; `tp` is the tensor-parallel
    /// group (this rank at `tp.rank`).
    public init(local: Dense, tp: Communicator, outRange: Range<Int>, outFeatures: Int, gatherOutput: Bool) {
        precondition(local.outFeatures == outRange.count, "ColumnParallelDense: shard of \(local.outFeatures) rows for \(outRange)")
        self.local = local
        self.tp = tp
        self.outRange = outRange
        wholeOutFeatures = outFeatures
        self.gatherOutput = gatherOutput
        columnsOf = (0..<tp.size).map { EvenSplit.range(total: outFeatures, parts: tp.size, index: $0) }
        counts = [Int32](repeating: 0, count: tp.size)
        displacements = [Int32](repeating: 0, count: tp.size)
    }

    public var inFeatures: Int { local.inFeatures }
    public var outFeatures: Int { gatherOutput ? wholeOutFeatures : local.outFeatures }
    public var outputColumns: Range<Int> { gatherOutput ? 0..<wholeOutFeatures : outRange }
    public var parameterRange: Range<Int> { local.parameterRange }

    public func reserve(rows: Int) {
        guard gatherOutput, scratch.count < rows * local.outFeatures || gathered.count < rows * wholeOutFeatures else { return }
        scratch = FloatBuffer(count: rows * local.outFeatures)
        gathered = FloatBuffer(count: rows * wholeOutFeatures)
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) throws {
        guard gatherOutput else { return local.forward(x, y, rows: rows, context: context) }
        reserve(rows: rows)
        local.forward(x, scratch.base, rows: rows, context: context)
        var offset: Int32 = 0
        for r in columnsOf.indices {
            counts[r] = Int32(rows * columnsOf[r].count)
            displacements[r] = offset
            offset += counts[r]
        }
        try tp.allgatherv(scratch.base, count: rows * local.outFeatures, into: gathered.base, counts: counts, displacements: displacements)
        // Rank r's block is `[rows, columnsOf[r].count]`; interleave the blocks into `[rows, out]`.
        for (r, cols) in columnsOf.enumerated() {
            let block = gathered.base + Int(displacements[r])
            for row in 0..<rows {
                (y + row * wholeOutFeatures + cols.lowerBound).update(from: block + row * cols.count, count: cols.count)
            }
        }
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext, gradientsReady: (Range<Int>) -> Void) throws {
        var dyLocal = dy
        if gatherOutput {
            // This rank's columns of the whole-output gradient.
            let n = local.outFeatures
            for row in 0..<rows { (scratch.base + row * n).update(from: dy + row * wholeOutFeatures + outRange.lowerBound, count: n) }
            dyLocal = UnsafePointer(scratch.base)
        }
        local.backwardParameters(x: x, dy: dyLocal, rows: rows)
        gradientsReady(parameterRange)
        guard let dx else { return }
        local.backwardInput(dy: dyLocal, dx: dx, rows: rows)
        try tp.allreduceSum(dx, count: rows * local.inFeatures)
    }
}
