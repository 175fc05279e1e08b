import TandemTensor

/// Fully connected layer `y = x W^T + b`, with W and b living in a `ParameterArena`.
///
/// Shapes: x `[rows, inFeatures]`, W `[outFeatures, inFeatures]` (row-major, as in safetensors
/// and PyTorch), b `[outFeatures]`, y `[rows, outFeatures]`. The tensor-parallel layers
/// (`ColumnParallelDense`, `RowParallelDense`) are built from this one over their shard's W and b.
public final class Dense: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    let arena: ParameterArena
    /// Offset of W in the arena.
    public let weightOffset: Int
    /// Offset of b in the arena.
    public let biasOffset: Int
    /// Whether `backwardWeights` writes dW = dy^T x instead of adding it to dW: set by a training
    /// step that computes this layer's weight gradient once per step (one micro-batch) and so skips
    /// zeroing W's gradient range (7.4 MB a step for the 784-1024-1024-10 model) and the product's
    /// read of it. The same bits: the product's sum is never -0, so it equals 0 + the sum.
    public var overwritesWeightGradient = false

    public init(arena: ParameterArena, weight: ParameterSlot, bias: ParameterSlot) {
        precondition(weight.shape.count == 2 && bias.shape == [weight.shape[0]], "Dense: inconsistent slots")
        self.arena = arena
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        weightOffset = weight.offset
        biasOffset = bias.offset
    }

    /// y = x W^T + b: x `[rows, in]`, y `[rows, out]`.
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>? = nil,
                        rows: Int, context: ForwardContext) {
        forwardProduct(x, y, rows: rows)
        addBias(y, rows: rows)
    }

    /// W^T `[in, out]` transposed once for inference (`Network.useInferenceWeights`), which the
    /// forward product then reads instead of W (the same bits); nil: W is read (and packed) per call.
    public private(set) var inferenceWeight: TransposedOperand?

    /// Sets (or with nil clears) the W^T the forward product reads: a copy of this layer's W as it
    /// is now, so valid only while the parameters do not change. `t`: `[in, out]`.
    public func useInferenceWeight(_ t: TransposedOperand?) {
        precondition(t.map { $0.n == outFeatures && $0.k == inFeatures } ?? true, "Dense: inference weight of another shape")
        inferenceWeight = t
    }

    /// W^T and W packed whole for the forward and the input gradient's products (`packWeights`),
    /// nil until first packed (or where `sgemm` does not run Tandem's kernel).
    private var forwardPack: PackedOperand?
    private var inputPack: PackedOperand?

    /// Packs W as it is now for the forward product (`forward`: W^T `[in, out]`) or the input
    /// gradient's (`W` `[out, in]`), which then read the pack instead of packing W on every call
    /// (the same bits), until `dropWeightPacks`: for many micro-batches between two changes of W.
    public func packWeights(forward: Bool) {
        let w = UnsafePointer(arena.params.base + weightOffset)
        if forward {
            if forwardPack == nil { forwardPack = PackedOperand.make(n: outFeatures, k: inFeatures, transB: true) }
            forwardPack?.pack(w)
        } else {
            if inputPack == nil { inputPack = PackedOperand.make(n: inFeatures, k: outFeatures, transB: false) }
            inputPack?.pack(w)
        }
    }

    /// Whether the forward (`forward`) or input gradient's product reads a pack now.
    public func hasWeightPack(forward: Bool) -> Bool { (forward ? forwardPack : inputPack)?.isPacked ?? false }

    /// Drops both packs (W is about to change): the products pack W per call again.
    public func dropWeightPacks() {
        forwardPack?.invalidate()
        inputPack?.invalidate()
    }

    /// The GEMM half of forward: y = x W^T, x `[rows, in]`, y `[rows, out]`.
    public func forwardProduct(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int) {
        if let inferenceWeight {
            inferenceWeight.product(x, y, rows: rows)
            return
        }
        if let forwardPack, forwardPack.product(x, y, rows: rows) { return }
        let w = UnsafePointer(arena.params.base + weightOffset)
        sgemm(.none, .transposed, m: rows, n: outFeatures, k: inFeatures, a: x, b: w, c: y)
    }

    /// The bias half of forward: y += b, y `[rows, out]`; with `relu` `[rows, out]` also
    /// relu = max(y, 0) (a following ReLU layer's output, in the same pass).
    public func addBias(_ y: UnsafeMutablePointer<Float>, relu: UnsafeMutablePointer<Float>? = nil, rows: Int) {
        DenseEpilogue.addBias(y, arena.params.base + biasOffset, relu: relu, rows: rows, cols: outFeatures)
    }

    /// dW += dy^T x `[out, in]`; db += column sums of dy; then `gradientsReady(parameterRange)`;
    /// then dx = dy W `[rows, in]` unless `dx` is nil.
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>? = nil, rows: Int, context: ForwardContext = ForwardContext(training: true),
                         gradientsReady: (Range<Int>) -> Void = { _ in }) {
        backwardParameters(x: x, dy: dy, rows: rows)
        gradientsReady(parameterRange)
        if let dx { backwardInput(dy: dy, dx: dx, rows: rows) }
    }

    /// The parameter half of backward: dW += dy^T x `[out, in]`, db += column sums of dy `[out]`.
    public func backwardParameters(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        DenseEpilogue.biasGradient(reluInput: nil, dy: dy, dx: nil, db: arena.grads.base + biasOffset, rows: rows, cols: outFeatures)
        backwardWeights(x: x, dy: dy, rows: rows)
    }

    /// The parameter half of backward under a ReLU that follows this layer, from the ReLU's
    /// output gradient `reluDy` `[rows, out]`: `dy = y > 0 ? reluDy : 0` into `dy` `[rows, out]`
    /// (may alias `reluDy`) and db += its column sums in one pass, then dW += dy^T x `[out, in]`.
    /// y: this layer's output `[rows, out]` (the ReLU's input).
    public func backwardParameters(x: UnsafePointer<Float>, y: UnsafePointer<Float>, reluDy: UnsafePointer<Float>,
                                   dy: UnsafeMutablePointer<Float>, rows: Int) {
        DenseEpilogue.biasGradient(reluInput: y, dy: reluDy, dx: dy, db: arena.grads.base + biasOffset, rows: rows, cols: outFeatures)
        backwardWeights(x: x, dy: UnsafePointer(dy), rows: rows)
    }

    /// The bias half of backward, keeping the weight gradient's operand for later: `kept = y > 0 ?
    /// dy : 0` (or `kept = dy` when `y` is nil: no ReLU follows) `[rows, out]` and db += its column
    /// sums `[out]` in one pass. `backwardWeights(x:dy: kept)` over these rows (or a batch holding
    /// them at their row offset) then completes the parameter gradients; `backwardInput(dy: kept)`
    /// gives dx. y: this layer's output `[rows, out]` (the ReLU's input).
    public func backwardBias(y: UnsafePointer<Float>?, dy: UnsafePointer<Float>, kept: UnsafeMutablePointer<Float>, rows: Int) {
        DenseEpilogue.biasGradient(reluInput: y, dy: dy, dx: kept, db: arena.grads.base + biasOffset, rows: rows, cols: outFeatures)
    }

    /// dW += dy^T x (dW = dy^T x with `overwritesWeightGradient`): dy `[rows, out]`, x `[rows, in]`,
    /// dW `[out, in]`. Each element of dW is one chain of fused multiply-adds over the rows in
    /// order, added to dW once.
    public func backwardWeights(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        sgemm(.transposed, .none, m: outFeatures, n: inFeatures, k: rows, a: dy, b: x, beta: overwritesWeightGradient ? 0 : 1,
              c: arena.grads.base + weightOffset)
    }

    /// Rows `outputs` of dW `[out, in]` summed over batch rows `rows` of x `[*, in]` and dy `[*, out]`
    /// (row r at `x + r * in`, `dy + r * out`), continuing from dW's partial sums over the rows before
    /// `rows` when `resume`, else from 0: pieces over consecutive rows in order give the bits of one
    /// `backwardWeights` over all of them (`sgemmRows`). Only where dW is overwritten
    /// (`overwritesWeightGradient`); returns false, having written nothing, otherwise or where
    /// `sgemm` does not run Tandem's kernel.
    public func sumWeightGradient(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, rows: Range<Int>, outputs: Range<Int>,
                                  resume: Bool) -> Bool {
        guard overwritesWeightGradient else { return false }
        return sgemmRows(.transposed, .none, m: outFeatures, n: inFeatures, k: rows.count, a: dy + rows.lowerBound * outFeatures,
                         b: x + rows.lowerBound * inFeatures, c: arena.grads.base + weightOffset, rows: outputs, resume: resume)
    }

    /// Elements of the arena holding W.
    public var weightRange: Range<Int> { weightOffset..<(weightOffset + outFeatures * inFeatures) }

    /// The input half of backward: dx = dy W, dy `[rows, out]`, dx `[rows, in]`.
    public func backwardInput(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Int) {
        if let inputPack, inputPack.product(dy, dx, rows: rows) { return }
        let w = UnsafePointer(arena.params.base + weightOffset)
        sgemm(.none, .none, m: rows, n: inFeatures, k: outFeatures, a: dy, b: w, c: dx)
    }

    /// Elements of the arena holding W and b (contiguous: W then b).
    public var parameterRange: Range<Int> { weightOffset..<(biasOffset + outFeatures) }
}
