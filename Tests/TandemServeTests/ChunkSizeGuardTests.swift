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

/// The guard's byte matching of header lines against the String lowercasing it replaced.
@Suite struct ChunkSizeGuardMatchingTests {
    @Test func asciiMatchingAgreesWithLowercasedStrings() {
        var g = JSONNumberTests.Xorshift(seed: 0xc4a9_11e5)
        let pieces = ["Content-Length:", "content-length:", "CONTENT-LENGTH", "Transfer-Encoding:", "transfer-encoding:", "chunked",
                      "Chunked", " HTTP/1.1", "http/", "HTTP/", "GET / ", "x", " ", "\t", "5", ":", "gzip, chunked", "\r"]
        for _ in 0..<20_000 {
            let line = (0..<Int(g.next() % 5)).map { _ in pieces[Int(g.next() % UInt64(pieces.count))] }.joined()
            let bytes = Array(line.utf8), lower = line.lowercased()
            for (prefix, text) in [("content-length:", "content-length:" as StaticString), ("transfer-encoding:", "transfer-encoding:"), ("http/", "http/")] {
                #expect(ChunkSizeGuard.hasPrefix(bytes, text) == lower.hasPrefix(prefix), "\(line.debugDescription) \(prefix)")
            }
            #expect(ChunkSizeGuard.contains(bytes, "chunked") == lower.contains("chunked"), "\(line.debugDescription)")
            #expect(ChunkSizeGuard.contains(bytes, " http/") == lower.contains(" http/"), "\(line.debugDescription)")
        }
    }
}
