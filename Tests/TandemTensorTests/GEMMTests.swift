import TandemTensor
import Testing
import TestSupport

/// `sgemm` (OpenBLAS) against the Double triple loop `referenceGEMM`.
///
/// Tolerance: 1e-4 relative to the largest reference element. Float32 dot products of length
/// k <= 64 with entries in [-1, 1) have rounding error ~k * 6e-8 in the worst case.
@Suite struct GEMMTests {
    static let transposes: [(Transpose, Transpose)] = [(.none, .none), (.none, .transposed),
                                                       (.transposed, .none), (.transposed, .transposed)]
    static let shapes: [(m: Int, n: Int, k: Int)] = [(7, 13, 17), (1, 5, 3), (4, 1, 9), (6, 8, 1),
                                                     (1, 1, 1), (16, 16, 64), (3, 2, 33)]

    /// Runs `sgemm` on copies of the operands and returns C.
    static func run(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: [Float], b: [Float],
                    beta: Float, c: [Float]) -> [Float] {
        var out = c
        withPointer(a) { pa in
            withPointer(b) { pb in
                if out.isEmpty { return }
                out.withUnsafeMutableBufferPointer { pc in
                    sgemm(ta, tb, m: m, n: n, k: k, alpha: alpha, a: pa, b: pb, beta: beta, c: pc.baseAddress!)
                }
            }
        }
        return out
    }

    static func check(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float, beta: Float,
                      seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        let a = randomFloats(m * k, seed: seed)
        let b = randomFloats(k * n, seed: seed + 1)
        let c = randomFloats(m * n, seed: seed + 2)
        let got = run(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c)
        let want = referenceGEMM(ta, tb, m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c)
        #expect(got.count == m * n, sourceLocation: sourceLocation)
        #expect(relativeDifference(got, want) <= 1e-4,
                "\(ta) \(tb) m=\(m) n=\(n) k=\(k) alpha=\(alpha) beta=\(beta)", sourceLocation: sourceLocation)
    }

    @Test(arguments: transposes, shapes)
    func matchesReferenceWithDefaultAlphaBeta(_ t: (Transpose, Transpose), _ s: (m: Int, n: Int, k: Int)) {
        GEMMTests.check(t.0, t.1, m: s.m, n: s.n, k: s.k, alpha: 1, beta: 0, seed: 10)
    }

    /// beta = 1 accumulates (what Dense.backward relies on for dW); other alpha/beta scale.
    @Test(arguments: transposes, [(Float(1), Float(1)), (-0.5, 1), (2.5, 0.75), (0.25, -2)])
    func matchesReferenceWithAlphaBeta(_ t: (Transpose, Transpose), _ ab: (Float, Float)) {
        GEMMTests.check(t.0, t.1, m: 7, n: 13, k: 17, alpha: ab.0, beta: ab.1, seed: 20)
        GEMMTests.check(t.0, t.1, m: 1, n: 3, k: 1, alpha: ab.0, beta: ab.1, seed: 30)
    }

    /// beta = 1 really adds to C: the result minus the old C is the plain product.
    @Test func betaOneAccumulatesTwice() {
        let (m, n, k) = (3, 4, 5)
        let a = randomFloats(m * k, seed: 1), b = randomFloats(k * n, seed: 2)
        let once = GEMMTests.run(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0,
                                 c: [Float](repeating: 0, count: m * n))
        let twice = GEMMTests.run(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 1, c: once)
        // Tolerance: exact doubling up to one Float rounding (relative 1e-6).
        #expect(relativeDifference(twice, once.map { 2 * $0 }) <= 1e-6)
        #expect(once.contains { $0 != 0 })
    }

    /// k = 0: C is only scaled by beta (0 clears it, 1 keeps it, other values scale it).
    @Test(arguments: [Float(0), 1, 3])
    func zeroInnerDimensionOnlyScalesC(beta: Float) {
        let c = randomFloats(12, seed: 5)
        let got = GEMMTests.run(.none, .transposed, m: 3, n: 4, k: 0, alpha: 2, a: [], b: [], beta: beta, c: c)
        #expect(got == c.map { $0 * beta })
        #expect(got == referenceGEMM(.none, .transposed, m: 3, n: 4, k: 0, alpha: 2, a: [], b: [], beta: beta, c: c))
    }

    /// m = 0 or n = 0: nothing to compute; must not touch memory or crash.
    @Test(arguments: [(0, 4, 3), (4, 0, 3), (0, 0, 0)])
    func emptyOutputIsANoOp(m: Int, n: Int, k: Int) {
        let sentinel: [Float] = [42]
        var c = sentinel
        let a = randomFloats(max(m * k, 1), seed: 1), b = randomFloats(max(k * n, 1), seed: 2)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(.none, .none, m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, beta: 0, c: pc.baseAddress!)
                }
            }
        }
        #expect(c == sentinel)
    }

    /// beta = 0 must overwrite C even if it holds garbage (NaN), as BLAS specifies; layers write
    /// into reused workspaces without clearing them.
    @Test func betaZeroIgnoresGarbageInC() {
        let (m, n, k) = (4, 5, 6)
        let a = randomFloats(m * k, seed: 7), b = randomFloats(k * n, seed: 8)
        let got = GEMMTests.run(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0,
                                c: [Float](repeating: .nan, count: m * n))
        let want = referenceGEMM(.none, .none, m: m, n: n, k: k, a: a, b: b, c: [Float](repeating: 0, count: m * n))
        #expect(got.allSatisfy { $0.isFinite })
        #expect(relativeDifference(got, want) <= 1e-4)
    }

    /// referenceGEMM itself on a hand-computed case, so the oracle is not trusted blindly.
    @Test func referenceOnHandComputedCase() {
        // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]]: A B = [[19, 22], [43, 50]], A^T B = [[26, 30], [38, 44]],
        // A B^T = [[17, 23], [39, 53]].
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        #expect(referenceGEMM(.none, .none, m: 2, n: 2, k: 2, a: a, b: b, c: [0, 0, 0, 0]) == [19, 22, 43, 50])
        #expect(referenceGEMM(.transposed, .none, m: 2, n: 2, k: 2, a: a, b: b, c: [0, 0, 0, 0]) == [26, 30, 38, 44])
        #expect(referenceGEMM(.none, .transposed, m: 2, n: 2, k: 2, a: a, b: b, c: [0, 0, 0, 0]) == [17, 23, 39, 53])
        #expect(referenceGEMM(.none, .none, m: 2, n: 2, k: 2, alpha: 2, a: a, b: b, beta: 1, c: [1, 1, 1, 1])
                == [39, 45, 87, 101])
    }

    /// Only reads the thread count: changing it while other tests run sgemm concurrently is not safe.
    @Test func blasThreadCountIsPositive() {
        #expect(BLASThreads.current >= 1)
    }
}
