import CKernels

/// A constant matrix W `[n, k]` kept transposed, W^T `[k, n]` row-major, for products x W^T that
/// run many times on the same W (a dense layer's weights at inference): `sgemm(.none, .transposed,
/// b: W)` packs W^T's panels on every call, this copy is made once and read in place.
///
/// `product` gives the bits of `sgemm(.none, .transposed, m:, n:, k:, a: x, b: W, c: y)` (alpha 1,
/// beta 0): on CPUs with AVX2+FMA, where `sgemm` runs Tandem's kernel, each element is the same
/// in-order FMA chain from 0 (`tandem_sgemm_rows` for up to `rowKernelRows` rows, else the kernel
/// on the untransposed operand). Elsewhere `sgemm` calls OpenBLAS, whose bits depend on the
/// operand's layout, so no copy is made (`make` returns nil) and callers keep calling `sgemm` on W.
public final class TransposedOperand: @unchecked Sendable {
    /// Rows of W: columns of the product.
    public let n: Int
    /// Columns of W: the product's inner dimension.
    public let k: Int
    /// W^T `[k, n]`; never written after `init`.
    private let storage: FloatBuffer

    /// Up to this many rows, a product runs one row at a time with its columns in registers
    /// (`tandem_sgemm_rows`); above, the sgemm kernel's row tiles share each load of W^T. Measured
    /// (AVX-512F, x W^T of the digits MLP, load ~7): 1 row 148 ns against 386 for the sgemm kernel
    /// on W^T in place (1,601 packing W^T per call) at 128x64, 133 / 246 / 433 ns at 10x128; from 2
    /// rows the kernel is as fast or faster at 10x128 (one row's chain of 128 FMAs waits on latency).
    public static let rowKernelRows = 1

    /// W^T of `w` `[n, k]`, or nil where `sgemm` does not run Tandem's kernel (see the type).
    public static func make(_ w: UnsafePointer<Float>, n: Int, k: Int) -> TransposedOperand? {
        GEMMKernel.available ? TransposedOperand(w, n: n, k: k) : nil
    }

    private init(_ w: UnsafePointer<Float>, n: Int, k: Int) {
        self.n = n
        self.k = k
        storage = FloatBuffer(count: n * k)
        let t = storage.base
        for j in 0..<n {
            for p in 0..<k { t[p * n + j] = w[j * k + p] }
        }
    }

    /// y = x W^T: x `[rows, k]`, y `[rows, n]`, the bits of `sgemm(.none, .transposed, m: rows,
    /// n: n, k: k, a: x, b: W, c: y)`.
    public func product(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int) {
        if rows <= Self.rowKernelRows, tandem_sgemm_rows(rows, n, k, x, storage.base, y) == 0 { return }
        sgemm(.none, .none, m: rows, n: n, k: k, a: x, b: storage.base, c: y)
    }
}
