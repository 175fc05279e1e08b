import TandemTensor
import Testing

/// The warning for OpenBLAS kernels older than the CPU: when it is given, and what it suggests.
@Suite struct BLASCoreTests {
    @Test func prescottOnAnAVX512CPUSuggestsSkylakeX() throws {
        let text = try #require(BLASCore.mismatchWarning(core: "Prescott", vectors: "AVX-512F"))
        #expect(text.contains("OpenBLAS runs its Prescott kernels"))
        #expect(text.contains("this CPU has AVX-512F"))
        #expect(text.contains("OPENBLAS_CORETYPE=SkylakeX"))
    }

    @Test func olderKernelsOnAnAVX2CPUSuggestHaswell() throws {
        for core in ["Sandybridge", "NEHALEM", "core2", "Opteron_SSE3"] {
            let text = try #require(BLASCore.mismatchWarning(core: core, vectors: "AVX2"), "\(core)")
            #expect(text.contains("OPENBLAS_CORETYPE=Haswell"))
        }
    }

    @Test func noWarningWhenTheKernelsFitTheCPU() {
        #expect(BLASCore.mismatchWarning(core: "Haswell", vectors: "AVX2") == nil)
        #expect(BLASCore.mismatchWarning(core: "SkylakeX", vectors: "AVX-512F") == nil)
        #expect(BLASCore.mismatchWarning(core: "Zen", vectors: "AVX2") == nil)
        #expect(BLASCore.mismatchWarning(core: "Prescott", vectors: nil) == nil)  // an old CPU: Prescott is right
    }

    @Test func thisProcessReportsOpenBLASsChoice() {
        #expect(!BLASCore.name.isEmpty)
        #expect(BLASCore.name != "unknown")
    }
}
