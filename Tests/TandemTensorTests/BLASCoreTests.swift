import TandemTensor
import Testing

/// What OpenBLAS reports about its kernels (`layout.blas_core`).
@Suite struct BLASCoreTests {
    @Test func thisProcessReportsOpenBLASsChoice() {
        #expect(!BLASCore.name.isEmpty)
        #expect(BLASCore.name != "unknown")
    }
}
