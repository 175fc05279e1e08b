import TandemTensor

/// Layer normalization (Ba et al. 2016): each row normalized over the whole layer's features,
/// y = gamma (x - mean_row) / sqrt(var_row + eps) + beta.
///
/// Shapes: x, y, dy, dx `[rows, features]` (this rank's features: all, or a column-parallel
/// shard's); gamma, beta `[features]` in the arena. When the features are sharded, `shards` sums
/// each row's partial sums over the tensor-parallel group (`wholeFeatures` in all), so a shard
/// normalizes exactly as the whole layer does. Training and inference are the same map.
/// Backward recomputes the row statistics from x (nothing is kept per micro-batch) and, with
/// dxhat = gamma dy, writes dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sigma.
public final class LayerNorm: Layer {
    public let inFeatures: Int
    public var outFeatures: Int { inFeatures }
    public let outputColumns: Range<Int>
    public let epsilon: Double = 1e-5
    /// Features of the whole layer (the mean and variance are over these).
    public let wholeFeatures: Int
    let arena: ParameterArena
    let weightOffset: Int, biasOffset: Int
    let shards: SumReducer?
    /// Per row: [sum x, sum x^2, sum dxhat, sum dxhat x]; grown by `reserve`.
    private var sums: UnsafeMutablePointer<Double>
    private var capacity = 0

    /// `weight`, `bias`: `[features]` slots of `arena`, contiguous; `columns`: which of the whole
    /// layer's `wholeFeatures` features x holds; `shards`: the sum over the tensor-parallel group
    /// when x holds only some of them.
    public init(arena: ParameterArena, weight: ParameterSlot, bias: ParameterSlot, columns: Range<Int>? = nil,
                wholeFeatures: Int? = nil, shards: SumReducer? = nil) {
        precondition(bias.count == weight.count && bias.offset == weight.offset + weight.count, "LayerNorm: slots not contiguous")
        self.arena = arena
        inFeatures = weight.count
        outputColumns = columns ?? 0..<weight.count
        self.wholeFeatures = wholeFeatures ?? weight.count
        weightOffset = weight.offset
        biasOffset = bias.offset
        self.shards = shards
        sums = .allocate(capacity: 4)
        capacity = 1
    }

    deinit { sums.deallocate() }

    public var parameterRange: Range<Int> { weightOffset..<(biasOffset + inFeatures) }

    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        sums.deallocate()
        sums = .allocate(capacity: 4 * rows)
        capacity = rows
    }

    /// Row r's mean and 1 / sigma from the (reduced) sums at `s + 4 r`.
    private func moments(_ s: UnsafeMutablePointer<Double>) -> (mean: Double, invStd: Double) {
        let n = Double(wholeFeatures)
        let m = s[0] / n
        return (m, 1 / (max(s[1] / n - m * m, 0) + epsilon).squareRoot())
    }

    /// Fills the per-row sums (with `dy`, also of dxhat and dxhat x) and reduces them over the shards.
    private func rowSums(_ x: UnsafePointer<Float>, dy: UnsafePointer<Float>?, rows: Int) throws {
        reserve(rows: rows)
        let f = inFeatures, gamma = arena.params.base + weightOffset
        for r in 0..<rows {
            let xr = x + r * f, s = sums + 4 * r
            var a = 0.0, b = 0.0, c = 0.0, d = 0.0
            for j in 0..<f {
                let v = Double(xr[j])
                a += v
                b += v * v
            }
            if let dy {
                let dr = dy + r * f
                for j in 0..<f {
                    let g = Double(dr[j]) * Double(gamma[j])
                    c += g
                    d += g * Double(xr[j])
                }
            }
            s[0] = a; s[1] = b; s[2] = c; s[3] = d
        }
        try shards?(sums, 4 * rows)
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) throws {
        try rowSums(x, dy: nil, rows: rows)
        let f = inFeatures, gamma = arena.params.base + weightOffset, beta = arena.params.base + biasOffset
        for r in 0..<rows {
            let (m, inv) = moments(sums + 4 * r)
            let xr = x + r * f, yr = y + r * f
            for j in 0..<f { yr[j] = Float((Double(xr[j]) - m) * inv * Double(gamma[j]) + Double(beta[j])) }
        }
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext, gradientsReady: (Range<Int>) -> Void) throws {
        try rowSums(x, dy: dy, rows: rows)
        let f = inFeatures, gamma = arena.params.base + weightOffset
        let gw = arena.grads.base + weightOffset, gb = arena.grads.base + biasOffset
        for r in 0..<rows {
            let (m, inv) = moments(sums + 4 * r)
            let xr = x + r * f, dr = dy + r * f
            for j in 0..<f {
                gw[j] += dr[j] * Float((Double(xr[j]) - m) * inv)
                gb[j] += dr[j]
            }
        }
        gradientsReady(parameterRange)
        guard let dx else { return }
        let n = Double(wholeFeatures)
        for r in 0..<rows {
            let s = sums + 4 * r
            let (m, inv) = moments(s)
            let meanDxhat = s[2] / n
            let meanDxhatXhat = (s[3] - m * s[2]) * inv / n
            let xr = x + r * f, dr = dy + r * f, out = dx + r * f
            for j in 0..<f {
                let xhat = (Double(xr[j]) - m) * inv
                out[j] = Float((Double(dr[j]) * Double(gamma[j]) - meanDxhat - xhat * meanDxhatXhat) * inv)
            }
        }
    }
}
