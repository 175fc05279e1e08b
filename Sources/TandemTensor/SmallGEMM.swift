import CKernels

/// The choice between Tandem's small-shape GEMM kernel (`tandem_sgemm_small` in CKernels) and
/// OpenBLAS, made per call from the shape alone, so a run and its resume take the same path.
///
/// The kernel keeps up to 12 x 32 (AVX-512F) or 6 x 16 (AVX2+FMA) elements of C in registers,
/// broadcasts A and sums each element over k in order with one FMA per step; every kernel level
/// (AVX-512F, AVX2+FMA, plain C with `fmaf`) gives the same bits, so `TANDEM_KERNELS` changes
/// speed, never results (the plain level is a check, about 0.3 GFLOP/s). It runs only on CPUs
/// with AVX2 and FMA; other CPUs keep BLAS for every shape.
///
/// The rule, `k <= 256 && m * n * k <= 2^21` (128^3), comes from `tandem_sgemm_small` against
/// OpenBLAS 0.3.21 (1 thread) on the development VM (Xeon with AVX-512F, 2026-12-01; best of 300
/// timings, load 3-13): on the small model's products (32x64x64, 64x64x32, 32x10x64, 10x64x32,
/// 32x64x10) the kernel ran 66-156 GFLOP/s, OpenBLAS's default (SSE3) kernels 17-27, and its
/// SkylakeX kernels (`OPENBLAS_CORETYPE=SkylakeX`, measured only) 59-154, so the kernel is about
/// even with a BLAS that matches the CPU there; at 128^3 it ran 113-136 against SkylakeX's
/// 89-119 in all three transpose cases used; at 64x512x512 SkylakeX won (123 against 106).
/// Larger shapes stay on BLAS, whose blocking for caches this kernel does not have.
/// `k <= 256` also bounds the B panel the kernel packs on the stack when B is transposed.
public enum SmallGEMM {
    /// Whether the CPU has AVX2 and FMA (whatever `TANDEM_KERNELS` caps the kernels at).
    public static let available: Bool = tandem_cpu_has_fma() != 0

    /// The largest `k` the small path takes.
    public static let maxK = 256
    /// The largest `m * n * k` the small path takes.
    public static let maxVolume = 1 << 21

    /// Whether `sgemm` of this shape runs the small-shape kernel on this CPU.
    @inline(__always)
    public static func applies(m: Int, n: Int, k: Int) -> Bool {
        available && k <= maxK && m * n * k <= maxVolume
    }

    /// What `applies` means on this CPU, for the first log line and `summary.json`'s layout:
    /// "m*n*k <= 2097152, k <= 256 (avx512)" or "off (no AVX2+FMA)".
    public static var description: String {
        guard available else { return "off (no AVX2+FMA)" }
        let level = ["plain", "avx2", "avx512"][Int(max(0, min(2, tandem_kernel_level())))]
        return "m*n*k <= \(maxVolume), k <= \(maxK) (\(level))"
    }

    /// Runs the kernel: the same contract as `sgemm` (shapes there). Returns false, having written
    /// nothing, when the kernel does not take the shape (k > 256 with B transposed).
    @usableFromInline
    static func run(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float, c: UnsafeMutablePointer<Float>) -> Bool {
        tandem_sgemm_small(transA == .none ? 0 : 1, transB == .none ? 0 : 1, m, n, k, alpha, a, b, beta, c) == 0
    }
}
