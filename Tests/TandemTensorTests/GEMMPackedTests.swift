import CKernels
import TandemTensor
import Testing

/// Products from op(B) packed whole (`tandem_sgemm_pack_b`, `tandem_sgemm_packed`,
/// `PackedOperand`) against `tandem_sgemm` / `sgemm` on B itself, bit for bit, at every kernel
/// level this CPU has.
@Suite(.serialized) struct GEMMPackedTests {
    /// m = 1 to 37 (one to four row tiles, the micro-batch's 32), n around the 16- and 32-column
    /// panels (a last panel of 1 to 31 columns; the pack's next-panel prefetch runs off its end),
    /// k = 1, odd, at and across the 256-step block (a last block shorter than the others).
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (5, 17, 9), (12, 32, 64), (13, 33, 17), (32, 10, 64), (32, 64, 256), (25, 129, 257),
        (32, 200, 300), (37, 47, 513), (24, 160, 3), (32, 96, 600),
    ]

    /// Operands with zeros of both signs, infinities, a NaN and subnormals among random values.
    static func operand(_ count: Int, seed: UInt64) -> [Float] {
        var v = randomFloats(count, seed: seed)
        let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, 1e-40, -3e-39, 1e30]
        for i in stride(from: Int(seed % 7), to: count, by: 13) { v[i] = specials[(i / 13) % specials.count] }
        return v
    }

    static func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

    @Test func productsFromThePackAreTheSgemmBits() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        var seed: UInt64 = 31
        for s in Self.shapes {
            for transB in [0, 1] as [Int32] {
                for transA in [0, 1] as [Int32] {
                    for (alpha, beta) in [(1, 0), (-0.5, 1), (2.5, 0.75)] as [(Float, Float)] {
                        seed += 3
                        let a = Self.operand(s.m * s.k, seed: seed), b = Self.operand(s.k * s.n, seed: seed + 1)
                        let c = randomFloats(s.m * s.n, seed: seed + 2)
                        for level in (0...best).reversed() {
                            #expect(tandem_kernel_level_cap(level) == level)
                            var packed = [Float](repeating: .nan, count: (s.n + 31) / 32 * 32 * s.k)
                            var want = c, got = c
                            var width: Int32 = -1, status: Int32 = -1
                            withPointer(a) { pa in
                                withPointer(b) { pb in
                                    want.withUnsafeMutableBufferPointer {
                                        #expect(tandem_sgemm(transA, transB, s.m, s.n, s.k, alpha, pa, pb, beta, $0.baseAddress!) == 0)
                                    }
                                }
                                // Another suite may cap the level between the pack and the product
                                // (the product then refuses the pack): pack again.
                                for _ in 0..<10 where status != 0 {
                                    withPointer(b) { pb in
                                        packed.withUnsafeMutableBufferPointer {
                                            width = tandem_sgemm_pack_b(transB, s.n, s.k, pb, $0.baseAddress!, $0.count)
                                        }
                                    }
                                    withPointer(packed) { pk in
                                        got.withUnsafeMutableBufferPointer {
                                            status = tandem_sgemm_packed(transA, s.m, s.n, s.k, alpha, pa, pk, width, beta, $0.baseAddress!)
                                        }
                                    }
                                }
                            }
                            #expect(status == 0 && (width == 16 || width == 32))
                            let label = "m=\(s.m) n=\(s.n) k=\(s.k) transA \(transA) transB \(transB) alpha \(alpha) beta \(beta) level \(level)"
                            #expect(Self.bits(got) == Self.bits(want), "\(label)")
                        }
                    }
                }
            }
        }
    }

    @Test func aPackOfAnotherLevelOrTooSmallIsRefused() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        guard best >= 1 else { return }
        let n = 40, k = 20, m = 3
        let b = randomFloats(n * k, seed: 5), a = randomFloats(m * k, seed: 6)
        #expect(tandem_kernel_level_cap(best) == best)
        let count = tandem_sgemm_packed_count(n, k)
        var packed = [Float](repeating: 0, count: count)
        withPointer(b) { pb in
            packed.withUnsafeMutableBufferPointer { p in
                #expect(tandem_sgemm_pack_b(1, n, k, pb, p.baseAddress!, 0) == -1)
                #expect(tandem_sgemm_pack_b(1, n, k, pb, p.baseAddress!, count) > 0)
            }
        }
        // A width no level uses (a pack of another level is refused the same way): C untouched.
        var c = [Float](repeating: 7, count: m * n)
        withPointer(a) { pa in
            withPointer(packed) { pk in
                c.withUnsafeMutableBufferPointer { #expect(tandem_sgemm_packed(0, m, n, k, 1, pa, pk, 8, 0, $0.baseAddress!) == -1) }
            }
        }
        #expect(c.allSatisfy { $0 == 7 })
    }

    @Test func packedOperandGivesSgemmsBitsUntilInvalidated() throws {
        guard GEMMKernel.available else {
            #expect(PackedOperand.make(n: 4, k: 4, transB: true) == nil)
            return
        }
        for (transB, n, k) in [(true, 1024, 300), (false, 70, 513), (true, 10, 1024)] {
            let w = Self.operand(n * k, seed: UInt64(n + k)), x = Self.operand(32 * k, seed: 9)
            let op = try #require(PackedOperand.make(n: n, k: k, transB: transB))
            var want = [Float](repeating: 0, count: 32 * n), got = [Float](repeating: .nan, count: 32 * n)
            withPointer(x) { px in
                withPointer(w) { pw in
                    want.withUnsafeMutableBufferPointer {
                        sgemm(.none, transB ? .transposed : .none, m: 32, n: n, k: k, a: px, b: pw, c: $0.baseAddress!)
                    }
                    got.withUnsafeMutableBufferPointer { pg in
                        #expect(!op.product(px, pg.baseAddress!, rows: 32))  // nothing packed yet
                        // (another suite may cap the level between the pack and the product: pack again)
                        var done = false
                        for _ in 0..<10 where !done {
                            op.pack(pw)
                            done = op.product(px, pg.baseAddress!, rows: 32)
                        }
                        #expect(done && op.isPacked)
                    }
                }
            }
            #expect(Self.bits(got) == Self.bits(want), "transB \(transB) n \(n) k \(k)")
            op.invalidate()
            #expect(!op.isPacked)
            got.withUnsafeMutableBufferPointer { pg in withPointer(x) { #expect(!op.product($0, pg.baseAddress!, rows: 32)) } }
        }
    }
}
