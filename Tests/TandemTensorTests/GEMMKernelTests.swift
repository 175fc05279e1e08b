import CKernels
import Dispatch
import TandemTensor
import Testing

/// The GEMM kernel (`tandem_sgemm`, each instruction set this CPU has) against the Double triple
/// loop `referenceGEMM`, its levels against each other and against one unblocked in-order FMA
/// chain per element, bit for bit.
@Suite(.serialized) struct GEMMKernelTests {
    static let transposes: [(Transpose, Transpose)] = [(.none, .none), (.none, .transposed),
                                                       (.transposed, .none), (.transposed, .transposed)]
    /// Odd shapes: m = 1, n and k around and between the 8/16/32-lane widths and the 6- and 12-row
    /// tiles, k = 0 and 1, the small model's products; then every block edge: k at and across the
    /// 256-step block (`TANDEM_GEMM_KC`: 256, 257, 513 = three blocks), m across 24 (B packed
    /// above it, `TANDEM_GEMM_PACK_M`), n across 128 (A packed above it, `TANDEM_GEMM_PACK_A_N`)
    /// with a last column panel of 1 to 31 columns.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 17, 5), (5, 1, 9), (7, 13, 0), (6, 8, 1), (13, 33, 17), (12, 32, 64), (25, 47, 3),
        (32, 64, 64), (32, 10, 64), (10, 64, 32), (64, 64, 32), (32, 64, 10), (3, 7, 256), (2, 40, 300),
        (24, 128, 256), (25, 129, 257), (1, 161, 300), (13, 161, 513), (37, 33, 300), (30, 150, 7),
    ]
    /// Shapes with more than 10^5 products run with fewer (alpha, beta) pairs, keeping the test short.
    static func pairs(_ s: (m: Int, n: Int, k: Int)) -> [(Float, Float)] {
        s.m * s.n * s.k > 100_000 ? [(1, 0), (0.25, -2)] : alphaBeta
    }
    static let alphaBeta: [(Float, Float)] = [(1, 0), (1, 1), (-0.5, 1), (2.5, 0.75), (0.25, -2)]

    /// Runs the kernel at kernel level `level` on copies of the operands; returns C and the status.
    static func run(level: Int32, _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                    a: [Float], b: [Float], beta: Float, c: [Float]) -> (c: [Float], status: Int32) {
        #expect(tandem_kernel_level_cap(level) == level)
        return call(ta, tb, a: a, b: b, c: c) { tandem_sgemm($0, $1, m, n, k, alpha, $2, $3, beta, $4) }
    }

    /// Calls `kernel(transA, transB, a, b, c)` on copies of the operands; returns C and the status.
    static func call(_ ta: Transpose, _ tb: Transpose, a: [Float], b: [Float], c: [Float],
                     _ kernel: (Int32, Int32, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Int32)
        -> (c: [Float], status: Int32) {
        var out = c
        var status: Int32 = -2
        withPointer(a) { pa in
            withPointer(b) { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    guard let base = pc.baseAddress else { return }
                    status = kernel(ta == .none ? 0 : 1, tb == .none ? 0 : 1, pa, pb, base)
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
        for s in Self.shapes {
            for (alpha, beta) in Self.pairs(s) {
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

    /// A negative dimension: -1, C untouched.
    @Test func refusesANegativeDimension() {
        let c = randomFloats(6, seed: 11)
        let a = randomFloats(2 * 257, seed: 12), b = randomFloats(3 * 257, seed: 13)
        let level = tandem_kernel_level_cap(2)
        let negative = Self.run(level: level, .none, .none, m: -1, n: 3, k: 2, alpha: 1, a: a, b: b, beta: 0, c: c)
        #expect(negative.status == -1)
        #expect(negative.c == c)
    }

    /// The k blocks change nothing: each element equals one unblocked chain `acc = fma(a, b, acc)`
    /// over p = 0..<k from 0, then `alpha acc` or `fma(beta, c, alpha acc)`, bit for bit, at every
    /// level and in every transpose case, with k within one block, at its edge and across three.
    @Test(arguments: transposes)
    func kBlocksEqualOneInOrderChain(_ t: (Transpose, Transpose)) {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        for (i, s) in [(m: 14, n: 37, k: 255), (m: 26, n: 131, k: 256), (m: 13, n: 161, k: 513), (m: 3, n: 40, k: 700)].enumerated() {
            for (alpha, beta) in [(Float(1), Float(0)), (-0.5, 1), (2.5, 0.75)] {
                let seed = UInt64(500 + 10 * i)
                let a = randomFloats(s.m * s.k, seed: seed), b = randomFloats(s.k * s.n, seed: seed + 1)
                let c = randomFloats(s.m * s.n, seed: seed + 2)
                var want = c
                for r in 0..<s.m {
                    for j in 0..<s.n {
                        var acc: Float = 0
                        for p in 0..<s.k {
                            let av = t.0 == .none ? a[r * s.k + p] : a[p * s.m + r]
                            let bv = t.1 == .none ? b[p * s.n + j] : b[j * s.k + p]
                            acc = acc.addingProduct(av, bv)
                        }
                        let scaled = alpha * acc
                        want[r * s.n + j] = beta == 0 ? scaled : scaled.addingProduct(beta, c[r * s.n + j])
                    }
                }
                for level in 0...best {
                    let got = Self.run(level: level, t.0, t.1, m: s.m, n: s.n, k: s.k, alpha: alpha, a: a, b: b, beta: beta, c: c)
                    #expect(got.status == 0)
                    #expect(got.c.map(\.bitPattern) == want.map(\.bitPattern),
                            "\(t) m=\(s.m) n=\(s.n) k=\(s.k) alpha=\(alpha) beta=\(beta) level \(level)")
                }
            }
        }
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
                        _ = tandem_sgemm(0, 1, m, n, k, 1, pa, pb, 0, UnsafeMutablePointer<Float>(bitPattern: address)! + i * m * n)
                    }
                }
            }
        }
        for i in 0..<8 { #expect(Array(results[(i * m * n)..<((i + 1) * m * n)]).map(\.bitPattern) == want.map(\.bitPattern)) }
    }

    /// Products large enough for 2 threads or more (`TANDEM_GEMM_THREAD_MIN` each) crossing every
    /// block edge: split into 32-column panels (6 panels into 3 or 4 blocks, the last panel 1
    /// column) or into 12-row tiles (13 tiles into 2 to 4 blocks, the last tile 6 rows, n below one
    /// vector), k within one 256-step block, at its edge and across three (C copied when beta != 0),
    /// n across 128 (A packed in the whole product, not in the threads' blocks), one row.
    static let parallelShapes: [(m: Int, n: Int, k: Int)] = [
        (25, 161, 513), (50, 161, 300), (150, 33, 257), (150, 33, 600), (1, 2000, 600), (300, 7, 600), (40, 130, 256),
        (5, 40, 6000), (66, 96, 200),
    ]

    /// Runs `tandem_sgemm_parallel` on copies of the operands with the pool at `threads` threads.
    static func runParallel(threads: Int32, _ ta: Transpose, _ tb: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                            a: [Float], b: [Float], beta: Float, c: [Float]) -> (c: [Float], status: Int32) {
        #expect(tandem_gemm_set_threads(threads) == threads)
        return call(ta, tb, a: a, b: b, c: c) { tandem_sgemm_parallel($0, $1, m, n, k, alpha, $2, $3, beta, $4) }
    }

    /// 1, 2, 3 and 4 threads give the single-thread kernel's bits, every transpose case, beta 0
    /// and not, at the best level and at AVX2.
    @Test(arguments: transposes)
    func everyThreadCountGivesTheSameBits(_ t: (Transpose, Transpose)) {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2); _ = tandem_gemm_set_threads(1) }
        var seed: UInt64 = 900
        for s in Self.parallelShapes {
            #expect(tandem_gemm_parts(s.m, s.n, s.k, 4) >= 2)
            for (alpha, beta) in [(Float(1), Float(0)), (-0.5, 0.75)] {
                seed += 3
                let a = randomFloats(s.m * s.k, seed: seed), b = randomFloats(s.k * s.n, seed: seed + 1)
                let c = randomFloats(s.m * s.n, seed: seed + 2)
                for level in Set([best, min(best, 1)]).sorted() {
                    let want = Self.run(level: level, t.0, t.1, m: s.m, n: s.n, k: s.k, alpha: alpha, a: a, b: b, beta: beta, c: c)
                    #expect(want.status == 0)
                    for threads in Int32(1)...4 {
                        let got = Self.runParallel(threads: threads, t.0, t.1, m: s.m, n: s.n, k: s.k, alpha: alpha, a: a, b: b,
                                                   beta: beta, c: c)
                        #expect(got.status == 0)
                        #expect(got.c.map(\.bitPattern) == want.c.map(\.bitPattern),
                                "\(t) m=\(s.m) n=\(s.n) k=\(s.k) alpha=\(alpha) beta=\(beta) level \(level) threads \(threads)")
                    }
                }
            }
        }
    }

    /// Several callers at once with the pool at 2 threads (one of them gets the workers, the others
    /// run alone): each gets the single-thread bits, and none waits forever.
    @Test func concurrentCallersOfThePoolGetTheSameBits() {
        let (m, n, k) = (64, 256, 300)
        let a = randomFloats(m * k, seed: 16), b = randomFloats(k * n, seed: 17), c0 = randomFloats(m * n, seed: 18)
        let level = tandem_kernel_level_cap(2)
        let want = Self.run(level: level, .none, .transposed, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0.5, c: c0).c
        #expect(tandem_gemm_set_threads(2) == 2)
        defer { _ = tandem_gemm_set_threads(1) }
        let results = UnsafeMutableBufferPointer<Float>.allocate(capacity: 6 * m * n)
        defer { results.deallocate() }
        let address = UInt(bitPattern: results.baseAddress)  // Sendable; each caller writes its own slice
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            guard let base = UnsafeMutablePointer<Float>(bitPattern: address) else { return }
            let slice = base + i * m * n
            for _ in 0..<20 {
                c0.withUnsafeBufferPointer { pc in
                    guard let p = pc.baseAddress else { return }
                    slice.update(from: p, count: m * n)
                }
                withPointer(a) { pa in
                    withPointer(b) { pb in _ = tandem_sgemm_parallel(0, 1, m, n, k, 1, pa, pb, 0.5, slice) }
                }
            }
        }
        for i in 0..<6 { #expect(Array(results[(i * m * n)..<((i + 1) * m * n)]).map(\.bitPattern) == want.map(\.bitPattern)) }
    }

    /// How many threads a product gets: none beyond one below 2 x 2^19 multiply-adds (the small
    /// model's 32x64x64), one per 2^19 above, at most the threads and C's blocks (32-column panels,
    /// or 12-row tiles when more).
    @Test func partsFollowTheProductsSize() {
        #expect(tandem_gemm_parts(32, 64, 64, 2) == 1)
        #expect(tandem_gemm_parts(64, 128, 64, 2) == 1)
        #expect(tandem_gemm_parts(64, 128, 128, 2) == 2)
        #expect(tandem_gemm_parts(64, 128, 128, 8) == 2)
        #expect(tandem_gemm_parts(256, 1024, 784, 8) == 8)
        #expect(tandem_gemm_parts(256, 1024, 784, 1) == 1)
        #expect(tandem_gemm_parts(1, 64, 100_000, 8) == 2)  // two 32-column panels, one row tile
        #expect(tandem_gemm_parts(1000, 1, 10_000, 8) == 8)  // one panel, 84 row tiles
        #expect(tandem_gemm_parts(0, 1024, 784, 8) == 1)
    }

    /// The thread count: clamped to 1...256, reported back, and named in the description.
    @Test func threadCountIsClampedAndDescribed() {
        defer { GEMMKernel.setThreads(1) }
        #expect(GEMMKernel.setThreads(0) == 1)
        #expect(GEMMKernel.threads == 1)
        #expect(GEMMKernel.setThreads(3) == 3)
        #expect(GEMMKernel.threads == 3)
        if GEMMKernel.available { #expect(GEMMKernel.description.contains(", up to 3 threads of ")) }
        #expect(GEMMKernel.setThreads(1) == 1)
        if GEMMKernel.available { #expect(GEMMKernel.description.hasSuffix(", 1 thread")) }
    }

    /// The rule: every shape takes the kernel on an AVX2+FMA CPU (wide and k above 256 too), none
    /// on other CPUs; the description says which.
    @Test func shapeRule() {
        for (m, n, k) in [(32, 64, 64), (128, 128, 128), (2, 2, 257), (256, 1024, 784), (1024, 1536, 32)] {
            #expect(GEMMKernel.applies(m: m, n: n, k: k) == GEMMKernel.available)
        }
        #expect(GEMMKernel.description.hasPrefix(GEMMKernel.available ? "tandem kernel, every shape" : "OpenBLAS"))
    }
}
