import CBLAS

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// `C = alpha * op(A) * op(B) + beta * C` for contiguous row-major matrices: through Tandem's own
/// kernel on CPUs with AVX2+FMA (`GEMMKernel`), else through `cblas_sgemm`.
///
/// Shapes: `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`. A is stored `[m, k]` when
/// `transA == .none`, else `[k, m]`; B is stored `[k, n]` when `transB == .none`, else `[n, k]`.
/// Any of `m`, `n`, `k` may be 0 (then C is only scaled by `beta`).
@inlinable
public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { c.update(repeating: 0, count: m * n) } else if beta != 1 { for i in 0..<(m * n) { c[i] *= beta } }
        return
    }
    if GEMMKernel.applies(m: m, n: n, k: k),
       GEMMKernel.run(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c) { return }
    let lda = transA == .none ? k : m
    let ldb = transB == .none ? n : k
    cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(max(n, 1)))
}

/// The plain triple loop that `sgemm` must agree with (same shapes and conventions), in Double.
public func referenceGEMM(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                          alpha: Float = 1, a: [Float], b: [Float], beta: Float = 0, c: [Float]) -> [Float] {
    var out = c
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = transA == .none ? a[i * k + p] : a[p * m + i]
                let bv = transB == .none ? b[p * n + j] : b[j * k + p]
                s += Double(av) * Double(bv)
            }
            out[i * n + j] = Float(Double(alpha) * s + Double(beta) * Double(c[i * n + j]))
        }
    }
    return out
}

/// Matrix product of two `Matrix` values: `[a.rows, a.cols] x [b.rows, b.cols]` (a.cols == b.rows).
public func matmul(_ a: Matrix, _ b: Matrix) -> Matrix {
    precondition(a.cols == b.rows, "matmul: [\(a.rows), \(a.cols)] x [\(b.rows), \(b.cols)]")
    var out = Matrix(rows: a.rows, cols: b.cols)
    a.values.withUnsafeBufferPointer { pa in
        b.values.withUnsafeBufferPointer { pb in
            out.values.withUnsafeMutableBufferPointer { pc in
                guard let ap = pa.baseAddress, let bp = pb.baseAddress, let cp = pc.baseAddress else { return }
                sgemm(.none, .none, m: a.rows, n: b.cols, k: a.cols, a: ap, b: bp, c: cp)
            }
        }
    }
    return out
}
