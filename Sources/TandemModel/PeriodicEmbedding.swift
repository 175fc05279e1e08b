import Foundation
import TandemTensor

/// Periodic embeddings of numeric features (`PeriodicShape`, Gorishniy et al. 2022 "PLR").
///
/// Shapes: x `[rows, inFeatures]`; y `[rows, outFeatures]` = for each numeric column j (in
/// order) its `width` features ReLU(W_j s + b_j), s = [sin(v), cos(v)] `[2k]`, v = (x_j c_j) 2 pi
/// `[k]` (in float32, in this order, as the ONNX graph computes it), then the other columns of x
/// in order. Parameters c `[F, k]`, W `[F, d, 2k]`, b `[F, d]`.
///
/// One feature at a time, over all rows of the batch: S_j `[rows, 2k]` (sin, cos), then one GEMM
/// H = S_j W_j^T `[rows, d]`, then y_j = ReLU(H + b_j). `saved` `[rows, F 2k]` keeps every S_j,
/// feature-major (S_j at `j rows 2k`), so backward computes no sine twice; without `saved`
/// (inference) S_j goes to a workspace, and backward recomputes it. Backward: with
/// G = dy_j * (y_j > 0) `[rows, d]`, dW_j += G^T S_j and dS = G W_j (two GEMMs), db_j += column
/// sums of G, dv = dS_sin cos(v) - dS_cos sin(v), dc_j += sum over rows of dv x_j 2 pi,
/// dx_j = sum(dv c_j) 2 pi; the other columns pass dy through. The workspaces (S, G, dS) belong
/// to the layer and grow with `reserve`.
public final class PeriodicEmbedding: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    let arena: ParameterArena
    let shape: PeriodicShape
    let frequencyOffset: Int, weightOffset: Int, biasOffset: Int
    /// The input columns passed through, in order.
    let others: [Int]
    /// 2 pi in float32 (the ONNX graph uses the same constant).
    public static let twoPi = Float(2 * Double.pi)
    /// S `[capacity, 2k]`, G `[capacity, d]`, dS `[capacity, 2k]`.
    private var periodicRows: UnsafeMutablePointer<Float>
    private var branchRows: UnsafeMutablePointer<Float>
    private var periodicGradient: UnsafeMutablePointer<Float>
    private var capacity = 0

    /// The layer over `arena` (holding `shape.parameterSpecs` by name) for inputs of `inputs` columns.
    public init(shape: PeriodicShape, inputs: Int, arena: ParameterArena) throws {
        try shape.validate(inputs: inputs)
        var offsets: [Int] = []
        for spec in shape.parameterSpecs {
            guard let slot = arena.slot(named: spec.name), slot.shape == spec.shape else {
                throw ModelError(.missingParameter(name: spec.name, shape: spec.shape))
            }
            offsets.append(slot.offset)
        }
        guard offsets[1] == offsets[0] + shape.columns.count * shape.frequencies,
              offsets[2] == offsets[1] + shape.columns.count * shape.width * 2 * shape.frequencies else {
            throw ModelError(.notContiguous(.numericEmbedding))
        }
        self.arena = arena
        self.shape = shape
        (frequencyOffset, weightOffset, biasOffset) = (offsets[0], offsets[1], offsets[2])
        let numeric = Set(shape.columns)
        others = (0..<inputs).filter { !numeric.contains($0) }
        inFeatures = inputs
        outFeatures = shape.outputWidth(inputs: inputs)
        periodicRows = .allocate(capacity: 1)
        branchRows = .allocate(capacity: 1)
        periodicGradient = .allocate(capacity: 1)
    }

    deinit {
        periodicRows.deallocate()
        branchRows.deallocate()
        periodicGradient.deallocate()
    }

    public var parameterRange: Range<Int> { frequencyOffset..<(frequencyOffset + shape.parameterCount) }

    /// S_j of every numeric feature: F 2k floats per row.
    public var savedFeatures: Int { shape.columns.count * 2 * shape.frequencies }

    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        let k = shape.frequencies, d = shape.width
        periodicRows.deallocate()
        branchRows.deallocate()
        periodicGradient.deallocate()
        periodicRows = .allocate(capacity: rows * 2 * k)
        branchRows = .allocate(capacity: rows * d)
        periodicGradient = .allocate(capacity: rows * 2 * k)
        capacity = rows
    }

    /// S_j = [sin(v), cos(v)] `[rows, 2k]` of feature `j` (input column `column`) into `out`.
    private func periodic(_ x: UnsafePointer<Float>, feature j: Int, column: Int, rows: Int, into out: UnsafeMutablePointer<Float>) {
        let k = shape.frequencies
        let c = arena.params.base + frequencyOffset + j * k
        for r in 0..<rows {
            let xv = x[r * inFeatures + column], s = out + r * 2 * k
            for i in 0..<k {
                let v = (xv * c[i]) * Self.twoPi
                s[i] = sinf(v)
                s[k + i] = cosf(v)
            }
        }
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) {
        reserve(rows: rows)
        let p = arena.params.base
        let k = shape.frequencies, d = shape.width, f = shape.columns.count
        for (j, column) in shape.columns.enumerated() {
            let sj = saved.map { $0 + j * rows * 2 * k } ?? periodicRows
            periodic(x, feature: j, column: column, rows: rows, into: sj)
            // H = S_j W_j^T: [rows, 2k] x [2k, d].
            sgemm(.none, .transposed, m: rows, n: d, k: 2 * k, a: sj, b: p + weightOffset + j * d * 2 * k, c: branchRows)
            let b = p + biasOffset + j * d
            for r in 0..<rows {
                let h = branchRows + r * d, yr = y + r * outFeatures + j * d
                for o in 0..<d { yr[o] = max(h[o] + b[o], 0) }
            }
        }
        for r in 0..<rows {
            let xr = x + r * inFeatures, yr = y + r * outFeatures
            for (m, c) in others.enumerated() { yr[f * d + m] = xr[c] }
        }
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext,
                         gradientsReady: (Range<Int>) -> Void) {
        reserve(rows: rows)
        let p = arena.params.base, g = arena.grads.base
        let k = shape.frequencies, d = shape.width, f = shape.columns.count
        dx?.update(repeating: 0, count: rows * inFeatures)
        for (j, column) in shape.columns.enumerated() {
            let sj: UnsafePointer<Float>
            if let saved { sj = saved + j * rows * 2 * k } else {
                periodic(x, feature: j, column: column, rows: rows, into: periodicRows)
                sj = UnsafePointer(periodicRows)
            }
            // G = dy_j where the ReLU passed, else 0: [rows, d].
            for r in 0..<rows {
                let yr = y + r * outFeatures + j * d, dr = dy + r * outFeatures + j * d, gr = branchRows + r * d
                for o in 0..<d { gr[o] = yr[o] > 0 ? dr[o] : 0 }
            }
            let w = p + weightOffset + j * d * 2 * k
            // dW_j += G^T S_j: [d, rows] x [rows, 2k]; db_j += column sums of G.
            sgemm(.transposed, .none, m: d, n: 2 * k, k: rows, a: branchRows, b: sj, beta: 1, c: g + weightOffset + j * d * 2 * k)
            Elementwise.addColumnSums(branchRows, into: g + biasOffset + j * d, rows: rows, cols: d)
            // dS = G W_j: [rows, d] x [d, 2k].
            sgemm(.none, .none, m: rows, n: 2 * k, k: d, a: branchRows, b: w, c: periodicGradient)
            let c = p + frequencyOffset + j * k, gc = g + frequencyOffset + j * k
            for r in 0..<rows {
                let s = sj + r * 2 * k, ds = periodicGradient + r * 2 * k
                let xv = x[r * inFeatures + column]
                var dxj: Float = 0
                for i in 0..<k {
                    let dv = ds[i] * s[k + i] - ds[k + i] * s[i]
                    gc[i] += dv * xv * Self.twoPi
                    dxj += dv * c[i]
                }
                dx?[r * inFeatures + column] = dxj * Self.twoPi
            }
        }
        if let dx {
            for r in 0..<rows {
                let dr = dy + r * outFeatures
                for (m, c) in others.enumerated() { dx[r * inFeatures + c] = dr[f * d + m] }
            }
        }
        gradientsReady(parameterRange)
    }
}
