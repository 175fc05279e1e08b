import TandemTensor

/// Fully connected layer `y = x W^T + b`, with W and b living in a `ParameterArena`.
///
/// Shapes: x `[rows, inFeatures]`, W `[outFeatures, inFeatures]` (row-major, as in safetensors
/// and PyTorch), b `[outFeatures]`, y `[rows, outFeatures]`.
public final class Dense: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    let arena: ParameterArena
    /// Offset of W in the arena.
    public let weightOffset: Int
    /// Offset of b in the arena.
    public let biasOffset: Int

    public init(arena: ParameterArena, weight: ParameterSlot, bias: ParameterSlot) {
        precondition(weight.shape.count == 2 && bias.shape == [weight.shape[0]], "Dense: inconsistent slots")
        self.arena = arena
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        weightOffset = weight.offset
        biasOffset = bias.offset
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, context: ForwardContext) {
        let w = UnsafePointer(arena.params.base + weightOffset)
        sgemm(.none, .transposed, m: rows, n: outFeatures, k: inFeatures, a: x, b: w, c: y)
        Elementwise.addBias(y, arena.params.base + biasOffset, rows: rows, cols: outFeatures)
    }

    /// dW += dy^T x `[out, in]`; db += column sums of dy; dx = dy W `[rows, in]`.
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>?, rows: Int) {
        backwardParameters(x: x, dy: dy, rows: rows)
        if let dx { backwardInput(dy: dy, dx: dx, rows: rows) }
    }

    /// The parameter half of backward: dW += dy^T x `[out, in]`, db += column sums of dy `[out]`.
    public func backwardParameters(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        let gw = arena.grads.base + weightOffset
        sgemm(.transposed, .none, m: outFeatures, n: inFeatures, k: rows, a: dy, b: x, beta: 1, c: gw)
        Elementwise.addColumnSums(dy, into: arena.grads.base + biasOffset, rows: rows, cols: outFeatures)
    }

    /// The input half of backward: dx = dy W, dy `[rows, out]`, dx `[rows, in]`.
    public func backwardInput(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Int) {
        let w = UnsafePointer(arena.params.base + weightOffset)
        sgemm(.none, .none, m: rows, n: inFeatures, k: outFeatures, a: dy, b: w, c: dx)
    }

    /// Elements of the arena holding W and b (contiguous: W then b).
    public var parameterRange: Range<Int> { weightOffset..<(biasOffset + outFeatures) }
}
