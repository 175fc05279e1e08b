import CKernels

/// The choice between Tandem's GEMM kernel (`tandem_sgemm` in CKernels) and OpenBLAS: the kernel
/// for every shape on CPUs with AVX2 and FMA, OpenBLAS on the others. The rule depends on the CPU
/// alone, never on timing, so a run and its resume take the same path.
///
/// The kernel keeps up to 12 x 32 (AVX-512F) or 6 x 16 (AVX2+FMA) elements of C in registers,
/// broadcasts A and sums each element over k in order with one FMA per step. k runs in blocks of
/// 256 (`TANDEM_GEMM_KC`): op(B)'s block of 32 columns is packed into a 32 KiB panel on the stack
/// that stays in L1 while the row tiles pass; A's block is packed into row tiles (one stream per
/// tile, reused by every panel) when n > 128; between blocks the sums wait in C as floats, which
/// is exact. So every kernel level (AVX-512F, AVX2+FMA, plain C with `fmaf`) and every blocking
/// gives the same bits, and `TANDEM_KERNELS` changes speed, never results (the plain level is a
/// check, about 0.3 GFLOP/s).
///
/// Why every shape: measured with a C harness calling `tandem_sgemm` and `cblas_sgemm` (OpenBLAS
/// 0.3.21, 1 thread) alternately, best of 40, on the development VM (Xeon with AVX-512F, 2
/// cores, load 6.9-9.1, 2026-12-01). This OpenBLAS does not recognise the CPU and runs its SSE3
/// (Prescott) kernels: 13-31 GFLOP/s on the wide and balanced models' full-batch products
/// (256x1024x784 `x W^T`, 1024x784x256 `dy^T x`, 256x784x1024 `dy W`, and 1024^2 x 256), where
/// the kernel ran 105-125; 15-30 on their 32-row micro-batch products (32x1024x1536,
/// 1024x1536x32, 32x1024x1024), kernel 74-96; 6-23 on the 10-wide output layer's, kernel 45-106;
/// 24-30 at 128^3 and below, kernel 84-135; 3.4-3.9 for one row (1x1024x784, serving), kernel
/// 3.4-7.2. With `OPENBLAS_CORETYPE=SkylakeX` (measured only; Tandem never sets it) OpenBLAS ran
/// 133-157 on the full-batch products (kernel 119-130), 72-137 on the micro-batch ones (kernel
/// 76-94) and 13.6 for one row (kernel 3.5): on a machine whose OpenBLAS recognises the CPU the
/// kernel trades up to ~20% on large products for results that do not depend on the BLAS.
public enum GEMMKernel {
    /// Whether the CPU has AVX2 and FMA (whatever `TANDEM_KERNELS` caps the kernels at).
    public static let available: Bool = tandem_cpu_has_fma() != 0

    /// Whether `sgemm` of this shape runs the kernel on this CPU (every shape when `available`).
    @inline(__always)
    public static func applies(m: Int, n: Int, k: Int) -> Bool { available }

    /// The fewest multiply-adds a thread gets: a product runs on min(`threads`, m n k / this, C's
    /// blocks) threads, on the calling thread alone below 2 (`TANDEM_GEMM_THREAD_MIN`, 2^19).
    public static let threadMinimum = Int(TANDEM_GEMM_THREAD_MIN)

    /// The threads a large product may run on (the caller and up to `threads - 1` pool workers);
    /// 1 until set. `BLASThreads.set` sets it with OpenBLAS's count.
    public static var threads: Int { Int(tandem_gemm_threads()) }

    /// Sets `threads` (clamped to 1...256), starting the pool's workers once for that count
    /// (waiting for a product in flight); returns the count it got (fewer if a thread could not
    /// be created).
    @discardableResult
    public static func setThreads(_ n: Int) -> Int { Int(tandem_gemm_set_threads(Int32(max(1, min(n, 256))))) }

    /// What `applies` means on this CPU, for the first log line and `summary.json`'s layout:
    /// "tandem kernel, every shape (avx512), up to 2 threads of 2^19 multiply-adds" (or "1 thread"),
    /// or "OpenBLAS (no AVX2+FMA)".
    public static var description: String {
        guard available else { return "OpenBLAS (no AVX2+FMA)" }
        let level = ["plain", "avx2", "avx512"][Int(max(0, min(2, tandem_kernel_level())))]
        let t = threads
        let minimum = threadMinimum.nonzeroBitCount == 1 ? "2^\(threadMinimum.trailingZeroBitCount)" : "\(threadMinimum)"
        return "tandem kernel, every shape (\(level)), " + (t == 1 ? "1 thread" : "up to \(t) threads of \(minimum) multiply-adds")
    }

    /// Runs the kernel: the same contract as `sgemm` (shapes there), on up to `threads` threads when
    /// the product is large enough (`threadMinimum`; the same bits for any thread count).
    /// Returns false, having written nothing, when the kernel could not allocate its per-thread
    /// buffer (C's copy when beta != 0 and k > 256, or A's packed block); `sgemm` then calls OpenBLAS.
    @usableFromInline
    static func run(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float, c: UnsafeMutablePointer<Float>) -> Bool {
        tandem_sgemm_parallel(transA == .none ? 0 : 1, transB == .none ? 0 : 1, m, n, k, alpha, a, b, beta, c) == 0
    }
}
