import CBLAS

/// The threads each matrix product may use on this process: OpenBLAS's and Tandem's GEMM kernel's
/// (`GEMMKernel.threads`), kept equal.
public enum BLASThreads {
    /// Current OpenBLAS thread count (OpenBLAS's default until `set`: `OPENBLAS_NUM_THREADS`, else
    /// the CPUs it finds).
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Sets the OpenBLAS thread count and the GEMM kernel's (clamped to at least 1; the kernel's
    /// to at most 256).
    public static func set(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
        GEMMKernel.setThreads(n)
    }
}
