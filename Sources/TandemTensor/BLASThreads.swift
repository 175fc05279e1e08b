import CBLAS

/// The number of threads OpenBLAS uses for each call on this process.
public enum BLASThreads {
    /// Current OpenBLAS thread count.
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Sets the OpenBLAS thread count (clamped to at least 1).
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
}
