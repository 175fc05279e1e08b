import Testing
@testable import TandemServe

@Suite struct ChunkSizeGuardTests {
    @Test func chunkSizeLines() {
        #expect(ChunkSizeGuard.chunkSize(Array("1a".utf8)) == 26)
        #expect(ChunkSizeGuard.chunkSize(Array("1A;name=value".utf8)) == 26)
        #expect(ChunkSizeGuard.chunkSize(Array("0".utf8)) == 0)
        #expect(ChunkSizeGuard.chunkSize(Array("ffffffffffffffff".utf8)) == Int.max, "overflow saturates")
        #expect(ChunkSizeGuard.chunkSize(Array("zz".utf8)) == nil)
        #expect(ChunkSizeGuard.chunkSize(Array("".utf8)) == nil)
    }
}
