import CKernels
import Dispatch
import TandemTensor
import Testing

/// The small-shape GEMM kernel (`tandem_sgemm_small`, each instruction set this CPU has) against
/// the Double triple loop `referenceGEMM`, and its levels against each other, bit for bit.
@Suite(.serialized) struct GEMMKernelTests {
    static let transposes: [(Transpose, Transpose)] = [(.none, .none), (.none, .transposed),
                                                       (.transposed, .none), (.transposed, .transposed)]
    /// Odd shapes: m = 1, n and k around and between the 8/16/32-lane widths and the 6- and 12-row
    /// tiles, k = 0 and 1, the small model's products, and k at the transposed-B limit (256).
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 17, 5), (5, 1, 9), (7, 13, 0), (6, 8, 1), (13, 33, 17), (12, 32, 64), (25, 47, 3),
        (32, 64, 64), (32, 10, 64), (10, 64, 32), (64, 64, 32), (32, 64, 10), (3, 7, 256), (2, 40, 300),
    ]
    static let alphaBeta: [(Float, Float)] = [(1, 0), (1, 1), (-0.5, 1), (2.5, 0.75), (0.25, -2)]

    /// Runs the kernel at kernel level `level` on copies of the operands; returns C and the status.
    static func run(level: Int32, _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                    a: [Float], b: [Float], beta: Float, c: [Float]) -> (c: [Float], status: Int32) {
        #expect(tandem_kernel_level_cap(level) == level)
        var out = c
        var status: Int32 = -2
        withPointer(a) { pa in
            withPointer(b) { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    guard let base = pc.baseAddress else { return }
                    status = tandem_sgemm_small(ta == .none ? 0 : 1, tb == .none ? 0 : 1, m, n, k, alpha, pa, pb, beta, base)
                }
            }
        }
        return (out, status)
    }

    /// The rounding bound of a k-term float sum with one rounding per step, then the alpha and
    /// beta roundings: |got - exact| <= (k + 2) u (|alpha| sum_p |a_ip b_pj| + |beta c_ij|), u = 2^-24,
    /// plus the smallest normal float for underflow.
    static func bound(_ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: [Float], b: [Float],
                      beta: Float, c: [Float]) -> [Double] {
        let absA = a.map { Swift.abs($0) }, absB = b.map { Swift.abs($0) }, absC = c.map { Swift.abs($0) }
        let magnitude = referenceGEMM(ta, tb, m: m, n: n, k: k, alpha: Swift.abs(alpha), a: absA, b: absB,
                                      beta: beta == 0 ? 0 : Swift.abs(beta), c: absC)
        return magnitude.map { Double(k + 2) * 0x1p-24 * Double($0) * (1 + 1e-6) + Double(Float.leastNormalMagnitude) }
    }

    @Test(arguments: transposes)
    func everyLevelIsWithinTheRoundingBoundAndBitwiseEqual(_ t: (Transpose, Transpose)) {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        var seed: UInt64 = 100
        for s in Self.shapes where !(t.1 == .transposed && s.k > 256) {
            for (alpha, beta) in Self.alphaBeta {
                seed += 3
                let a = randomFloats(s.m * s.k, seed: seed), b = randomFloats(s.k * s.n, seed: seed + 1)
                let c = randomFloats(s.m * s.n, seed: seed + 2)
                let want = referenceGEMM(t.0, t.1, m: s.m, n: s.n, k: s.k, alpha: alpha, a: a, b: b, beta: beta, c: c)
                let limit = Self.bound(t.0, t.1, m: s.m, n: s.n, k: s.k, alpha: alpha, a: a, b: b, beta: beta, c: c)
                let label = "\(t.0) \(t.1) m=\(s.m) n=\(s.n) k=\(s.k) alpha=\(alpha) beta=\(beta)"
                var first: [Float]?
                for level in (0...best).reversed() {
                    let got = Self.run(level: level, t.0, t.1, m: s.m, n: s.n, k: s.k, alpha: alpha, a: a, b: b, beta: beta, c: c)
                    #expect(got.status == 0, "\(label) level \(level)")
                    let worst = zip(zip(got.c, want), limit).filter { Swift.abs(Double($0.0) - Double($0.1)) > $1 }
                    #expect(worst.isEmpty, "\(label) level \(level): \(worst.prefix(3))")
                    if let first {
                        #expect(got.c.map(\.bitPattern) == first.map(\.bitPattern), "\(label) level \(level) vs \(best)")
                    } else {
                        first = got.c
                    }
                }
            }
        }
    }

    /// beta = 0 overwrites C without reading it (NaN there stays out), as BLAS specifies.
    @Test func betaZeroIgnoresGarbageInC() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        let (m, n, k) = (13, 21, 7)
        let a = randomFloats(m * k, seed: 7), b = randomFloats(k * n, seed: 8)
        for level in 0...best {
            for t in Self.transposes {
                let got = Self.run(level: level, t.0, t.1, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0,
                                   c: [Float](repeating: .nan, count: m * n))
                #expect(got.c.allSatisfy { $0.isFinite }, "level \(level) \(t)")
            }
        }
    }

    /// Only C's m x n elements are written: a guard element after C keeps its value.
    @Test func writesNothingPastC() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        let (m, n, k) = (7, 11, 5)
        let a = randomFloats(m * k, seed: 9), b = randomFloats(k * n, seed: 10)
        for level in 0...best {
            for t in Self.transposes {
                let got = Self.run(level: level, t.0, t.1, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0,
                                   c: [Float](repeating: 42, count: m * n + 40))
                #expect(got.c[(m * n)...].allSatisfy { $0 == 42 }, "level \(level) \(t)")
            }
        }
    }

    /// Transposed B with k above the stack panel's limit, or a negative dimension: -1, C untouched.
    @Test func refusesWhatItCannotTake() {
        let c = randomFloats(6, seed: 11)
        let a = randomFloats(2 * 257, seed: 12), b = randomFloats(3 * 257, seed: 13)
        let level = tandem_kernel_level_cap(2)
        let refused = Self.run(level: level, .none, .transposed, m: 2, n: 3, k: 257, alpha: 1, a: a, b: b, beta: 0, c: c)
        #expect(refused.status == -1)
        #expect(refused.c == c)
        let negative = Self.run(level: level, .none, .none, m: -1, n: 3, k: 2, alpha: 1, a: a, b: b, beta: 0, c: c)
        #expect(negative.status == -1)
        #expect(negative.c == c)
    }

    /// Several threads at once (serving predicts on several): each gets the single-thread bits.
    @Test func concurrentCallsGiveTheSameBits() {
        let (m, n, k) = (32, 64, 64)
        let a = randomFloats(m * k, seed: 14), b = randomFloats(k * n, seed: 15)
        let zero = [Float](repeating: 0, count: m * n)
        let level = tandem_kernel_level_cap(2)
        let want = Self.run(level: level, .none, .transposed, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0, c: zero).c
        let results = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8 * m * n)
        defer { results.deallocate() }
        results.initialize(repeating: 0)
        let address = UInt(bitPattern: results.baseAddress)  // Sendable; each thread writes its own slice
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            for _ in 0..<50 {
                withPointer(a) { pa in
                    withPointer(b) { pb in
                        _ = tandem_sgemm_small(0, 1, m, n, k, 1, pa, pb, 0, UnsafeMutablePointer<Float>(bitPattern: address)! + i * m * n)
                    }
                }
            }
        }
        for i in 0..<8 { #expect(Array(results[(i * m * n)..<((i + 1) * m * n)]).map(\.bitPattern) == want.map(\.bitPattern)) }
    }

    /// The shape rule: the small model's products take the kernel on an AVX2+FMA CPU; wide ones,
    /// and k above 256, stay on BLAS.
    @Test func shapeRule() {
        #expect(SmallGEMM.applies(m: 32, n: 64, k: 64) == SmallGEMM.available)
        #expect(SmallGEMM.applies(m: 128, n: 128, k: 128) == SmallGEMM.available)
        #expect(!SmallGEMM.applies(m: 129, n: 128, k: 128))
        #expect(!SmallGEMM.applies(m: 2, n: 2, k: 257))
        #expect(!SmallGEMM.applies(m: 256, n: 1024, k: 784))
        #expect(SmallGEMM.description.hasPrefix(SmallGEMM.available ? "m*n*k <= 2097152, k <= 256" : "off"))
    }
}
