import TandemComm
import TandemModel
import TandemTensor

/// Megatron-LM's row-parallel linear layer: the input features of a dense layer `[out, in]`
/// split across the tensor-parallel group, this rank holding `inRange`. Built from a `Dense`
/// over the rank's shard (local W `[out, inRange.count]`, b `[out]` replicated), so the GEMM and
/// bias code is `Dense`'s.
///
/// Shapes: x_l `[rows, inRange.count]` (the rank's columns of the input, as the preceding
/// `ColumnParallelDense` left them). Forward: y = allreduce_tp(x_l W_l^T) + b `[rows, out]`
/// (whole on every rank). Backward: dW_l += dy^T x_l, db += column sums of dy (the same on every
/// rank), dx_l = dy W_l `[rows, inRange.count]`.
public final class RowParallelDense: Layer {
    /// The rank's shard as a plain dense layer.
    public let local: Dense
    let tp: Communicator

    public init(local: Dense, tp: Communicator) {
        self.local = local
        self.tp = tp
    }

    public var inFeatures: Int { local.inFeatures }
    public var outFeatures: Int { local.outFeatures }
    public var parameterRange: Range<Int> { local.parameterRange }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) throws {
        local.forwardProduct(x, y, rows: rows)
        try tp.allreduceSum(y, count: rows * local.outFeatures)
        local.addBias(y, rows: rows)
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext, gradientsReady: (Range<Int>) -> Void) {
        local.backward(x: x, y: y, dy: dy, dx: dx, rows: rows, gradientsReady: gradientsReady)
    }
}
