import CKernels

/// A GEMM's right operand op(B) `[k, n]` packed whole once into the panels Tandem's kernel reads
/// (`tandem_sgemm_pack_b`), for many products on the same, unchanged B: a pipeline stage's
/// micro-batches all multiply by the layer's W, which changes only at the optimizer step, while
/// `sgemm` packs op(B) again on every call (at 32 rows that packing cost 1.3-1.5x the whole
/// batch's per-row rate, balanced model, pp 2).
///
/// `product` gives the bits of `sgemm(.none, transB, m:, n:, k:, a:, b: B, c:)` (alpha 1, beta 0):
/// the pack is an exact copy and the kernel sums each element in the same order. It runs only
/// where `sgemm` runs Tandem's kernel on one thread (`make` returns nil without AVX2+FMA, where
/// `sgemm` calls OpenBLAS; a product `sgemm` would split over threads is left to `sgemm`).
///
/// Shapes: B stored `[k, n]` (`transB` false) or `[n, k]` (`transB` true); the pack holds k x n
/// rounded up to the panel width (32 columns with AVX-512F, else 16) floats.
public final class PackedOperand: @unchecked Sendable {
    /// Columns of op(B): of the product.
    public let n: Int
    /// Rows of op(B): the product's inner dimension.
    public let k: Int
    /// Whether B is stored `[n, k]` (op(B) = B^T).
    public let transB: Bool
    private let storage: FloatBuffer
    /// The panel width of the current pack, 0 when there is none (`invalidate`, or not yet packed).
    private var width: Int32 = 0

    /// An empty pack for an op(B) of `[k, n]`, or nil where `sgemm` does not run Tandem's kernel.
    public static func make(n: Int, k: Int, transB: Bool) -> PackedOperand? {
        guard GEMMKernel.available else { return nil }
        let count = tandem_sgemm_packed_count(n, k)
        return count < 0 ? nil : PackedOperand(n: n, k: k, transB: transB, count: count)
    }

    private init(n: Int, k: Int, transB: Bool, count: Int) {
        self.n = n
        self.k = k
        self.transB = transB
        storage = FloatBuffer(count: count)
    }

    /// Whether a pack is held (`pack` since the last `invalidate`).
    public var isPacked: Bool { width > 0 }

    /// Packs `b` (`[k, n]`, or `[n, k]` with `transB`) as it is now: `product` then reads this copy
    /// until `invalidate`, so B must not change meanwhile.
    public func pack(_ b: UnsafePointer<Float>) {
        let w = tandem_sgemm_pack_b(transB ? 1 : 0, n, k, b, storage.base, storage.count)
        width = max(w, 0)
    }

    /// Drops the pack (the memory stays for the next `pack`): products fall back to `sgemm`.
    public func invalidate() { width = 0 }

    /// c = a op(B): a `[rows, k]`, c `[rows, n]`, the bits of `sgemm(.none, transB ? .transposed :
    /// .none, m: rows, n: n, k: k, a: a, b: B, c: c)`. Returns false, having written nothing,
    /// when there is no pack, when `sgemm` would run the product on several threads, or when the
    /// kernel level changed since the pack (a test's cap): the caller then calls `sgemm`.
    public func product(_ a: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, rows: Int) -> Bool {
        guard width > 0, rows > 0, k > 0 else { return false }
        let threads = tandem_gemm_threads()
        if threads > 1, tandem_gemm_parts(rows, n, k, threads) > 1 { return false }
        return tandem_sgemm_packed(0, rows, n, k, 1, a, storage.base, width, 0, c) == 0
    }

    /// Bytes the pack holds.
    public var bytes: Int { storage.count * MemoryLayout<Float>.stride }
}
