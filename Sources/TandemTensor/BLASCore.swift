import CBLAS

/// Which kernels OpenBLAS runs on this CPU (`summary.json`'s `layout.blas_core`).
///
/// OpenBLAS (built with DYNAMIC_ARCH, as Debian's is) picks its kernels at load time from the
/// CPU's family and model. A CPU it does not know (virtual machines often report a generic
/// "Intel(R) Xeon(R) Processor") gets the oldest x86-64 kernels, Prescott's SSE3, even when the
/// CPU has AVX2 or AVX-512 (README "BLAS kernels"). On CPUs with AVX2+FMA `sgemm` does not call
/// OpenBLAS (`GEMMKernel`), so the choice matters only on older CPUs, where it is right.
public enum BLASCore {
    /// OpenBLAS's name for the kernels it chose ("Haswell", "SkylakeX", "Prescott", ...).
    public static var name: String {
        guard let text = openblas_get_corename() else { return "unknown" }
        return String(cString: text)
    }
}
