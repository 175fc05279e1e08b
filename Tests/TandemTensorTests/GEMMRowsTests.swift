import CKernels
import TandemTensor
import Testing

/// `tandem_sgemm_rows_resume` / `sgemmRows`: blocks of C's rows summed over consecutive pieces of
/// k, each continuing from the partial sums the piece before left in C, against one
/// `tandem_sgemm` over all of k (alpha 1, beta 0), bit for bit, at every kernel level this CPU has.
@Suite(.serialized) struct GEMMRowsTests {
    /// Shapes around the row tiles (4, 6, 12) and the 256-step k block (a piece crossing it).
    static let shapes: [(m: Int, n: Int, k: Int)] = [(1, 1, 2), (13, 33, 17), (40, 129, 64), (96, 200, 300), (37, 47, 513)]

    @Test func piecesOfKInOrderGiveOneProductsBits() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        var seed: UInt64 = 7
        for s in Self.shapes {
            // Cut points of C's rows and of k (a piece of 0 rows included): pieces of k only where
            // a piece's rows are contiguous in both operands (A stored [k, m], B stored [k, n]).
            let blocks = [0, s.m / 2, s.m / 2 + 1, s.m].map { min($0, s.m) }
            for transA in [0, 1] as [Int32] {
                for transB in [0, 1] as [Int32] {
                    let cuts = transA == 1 && transB == 0 ? [0, 1, s.k / 3, s.k / 3, s.k - 1, s.k].sorted() : [0, s.k]
                    seed += 3
                    let a = GEMMPackedTests.operand(s.m * s.k, seed: seed), b = GEMMPackedTests.operand(s.k * s.n, seed: seed + 1)
                    for level in (0...best).reversed() {
                        #expect(tandem_kernel_level_cap(level) == level)
                        var want = [Float](repeating: 0, count: s.m * s.n)
                        var got = [Float](repeating: .nan, count: s.m * s.n)
                        withPointer(a) { pa in
                            withPointer(b) { pb in
                                want.withUnsafeMutableBufferPointer {
                                    #expect(tandem_sgemm(transA, transB, s.m, s.n, s.k, 1, pa, pb, 0, $0.baseAddress!) == 0)
                                }
                                got.withUnsafeMutableBufferPointer { pc in
                                    for (i0, i1) in zip(blocks, blocks.dropFirst()) {
                                        for (p0, p1) in zip(cuts, cuts.dropFirst()) {
                                            let ap = pa + p0 * s.m, bp = pb + p0 * s.n  // the piece's first rows
                                            let status = tandem_sgemm_rows_resume(transA, transB, s.m, s.n, p1 - p0, ap, bp, pc.baseAddress!,
                                                                                  i0, i1, p0 > 0 ? 1 : 0)
                                            #expect(status == 0)
                                        }
                                    }
                                }
                            }
                        }
                        let label = "m=\(s.m) n=\(s.n) k=\(s.k) transA \(transA) transB \(transB) level \(level)"
                        let differing = zip(got, want).filter { $0.bitPattern != $1.bitPattern }.count
                        #expect(differing == 0, "\(label)")
                    }
                }
            }
        }
    }

    @Test func rowsOutsideCAreRefused() {
        var c = [Float](repeating: 3, count: 6)
        let a = [Float](repeating: 1, count: 6), b = [Float](repeating: 1, count: 4)
        withPointer(a) { pa in
            withPointer(b) { pb in
                c.withUnsafeMutableBufferPointer {
                    #expect(tandem_sgemm_rows_resume(0, 0, 3, 2, 2, pa, pb, $0.baseAddress!, 2, 4, 0) == -1)
                    #expect(tandem_sgemm_rows_resume(0, 0, 3, 2, 2, pa, pb, $0.baseAddress!, 2, 1, 0) == -1)
                    #expect(tandem_sgemm_rows_resume(0, 0, 3, 2, -1, pa, pb, $0.baseAddress!, 0, 1, 0) == -1)
                }
            }
        }
        #expect(c == [Float](repeating: 3, count: 6))
    }

    /// `sgemmRows` over two pieces of k: one `sgemm`'s bits where Tandem's kernel runs.
    @Test func sgemmRowsMatchesSgemm() {
        let m = 20, n = 30, k = 50
        let a = randomFloats(k * m, seed: 3), b = randomFloats(k * n, seed: 4)
        var want = [Float](repeating: 0, count: m * n), got = [Float](repeating: .nan, count: m * n)
        withPointer(a) { pa in
            withPointer(b) { pb in
                want.withUnsafeMutableBufferPointer { sgemm(.transposed, .none, m: m, n: n, k: k, a: pa, b: pb, c: $0.baseAddress!) }
                got.withUnsafeMutableBufferPointer { pc in
                    let first = sgemmRows(.transposed, .none, m: m, n: n, k: 20, a: pa, b: pb, c: pc.baseAddress!, rows: 0..<m, resume: false)
                    let rest = sgemmRows(.transposed, .none, m: m, n: n, k: 30, a: pa + 20 * m, b: pb + 20 * n, c: pc.baseAddress!,
                                         rows: 0..<m, resume: true)
                    #expect(first == GEMMKernel.available && rest == GEMMKernel.available)
                }
            }
        }
        if GEMMKernel.available { #expect(got.map(\.bitPattern) == want.map(\.bitPattern)) }
    }
}
