import CBLAS
import CKernels

/// Which kernels OpenBLAS runs on this CPU, and whether they leave its vector units idle.
///
/// OpenBLAS (built with DYNAMIC_ARCH, as Debian's is) picks its kernels at load time from the
/// CPU's family and model. A CPU it does not know (virtual machines often report a generic
/// "Intel(R) Xeon(R) Processor") gets the oldest x86-64 kernels, Prescott's SSE3, even when the
/// CPU has AVX2 or AVX-512: every GEMM then runs several times below the machine's rate (measured
/// on the development VM: 2.4-4.4x, README "BLAS kernels"). Only the environment variable
/// `OPENBLAS_CORETYPE`, read when the library loads, changes the choice, so Tandem reports it
/// rather than overriding it.
public enum BLASCore {
    /// OpenBLAS's name for the kernels it chose ("Haswell", "SkylakeX", "Prescott", ...).
    public static var name: String {
        guard let text = openblas_get_corename() else { return "unknown" }
        return String(cString: text)
    }

    /// The widest vector extension this CPU and OS support: "AVX-512F", "AVX2" or nil (what the
    /// hardware has: `TANDEM_KERNELS`, which caps Tandem's own kernels, does not change it).
    public static var cpuVectors: String? {
        switch tandem_cpu_level() {
        case 2: return "AVX-512F"
        case 1: return "AVX2"
        default: return nil
        }
    }

    /// OpenBLAS x86 kernel sets older than AVX2 (their names as `openblas_get_corename` gives them).
    static let preAVX2: Set<String> = [
        "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
        "dunnington", "nehalem", "sandybridge", "athlon", "opteron", "opteron_sse3", "barcelona",
        "bobcat", "bulldozer", "piledriver", "steamroller", "nano",
    ]

    /// The kernel set to suggest for `cpuVectors`.
    static func suggestion(for vectors: String) -> String { vectors == "AVX-512F" ? "SkylakeX" : "Haswell" }

    /// A warning when OpenBLAS runs pre-AVX2 kernels on a CPU with AVX2 or AVX-512F, else nil.
    /// `core` and `vectors` default to this process's; they are parameters for the tests.
    public static func mismatchWarning(core: String = name, vectors: String? = cpuVectors) -> String? {
        guard let vectors, preAVX2.contains(core.lowercased()) else { return nil }
        return "OpenBLAS runs its \(core) kernels, which use no AVX2, although this CPU has \(vectors)"
            + " (OpenBLAS did not recognise the CPU model): matrix products may run several times slower than with"
            + " kernels for this CPU (2.4-4.4x on the VM where this was measured)."
            + " If your OpenBLAS build is known to work on this CPU, OPENBLAS_CORETYPE=\(suggestion(for: vectors))"
            + " in the job's environment selects its \(vectors) kernels; `tandem bench --sgemm` measures both"
            + " (README: BLAS kernels)"
    }
}
