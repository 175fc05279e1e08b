import CKernels

/// Rows `rows` of `sgemm(transA, transB, m:, n:, k:, a:, b:, c:)` (alpha 1, beta 0), written into
/// those rows of C only, on the calling thread; with `resume` each element continues from C's
/// partial sum (left there by a call over the preceding rows of k) instead of 0. With A stored
/// `[k, m]` and B `[k, n]` (`.transposed`, `.none`), calls over consecutive pieces of k in order
/// (A and B advanced to each piece's first row, the same m and n),
/// the first without `resume`, give the bits of one `sgemm` over all of k
/// (`tandem_sgemm_rows_resume`). Returns false, having written nothing, where `sgemm` does not run
/// Tandem's kernel (the caller then runs the whole product with `sgemm`).
///
/// Shapes: op(A) `[m, k]` (A stored `[m, k]`, or `[k, m]` when `transA`), op(B) `[k, n]`, C `[m, n]`.
public func sgemmRows(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, a: UnsafePointer<Float>,
                      b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, rows: Range<Int>, resume: Bool) -> Bool {
    guard GEMMKernel.available else { return false }
    return tandem_sgemm_rows_resume(transA == .none ? 0 : 1, transB == .none ? 0 : 1, m, n, k, a, b, c,
                                    rows.lowerBound, rows.upperBound, resume ? 1 : 0) == 0
}
