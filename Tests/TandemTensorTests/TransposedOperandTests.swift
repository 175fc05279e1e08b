import CKernels
import TandemTensor
import Testing

/// `tandem_sgemm_rows` and `TransposedOperand.product` (W^T transposed once) against
/// `tandem_sgemm` / `sgemm` on W itself, bit for bit, at every kernel level this CPU has.
@Suite(.serialized) struct TransposedOperandTests {
    /// Rows 1 to 5 (the row kernel up to `rowKernelRows`, the sgemm kernel above), columns around
    /// the 8/16-lane vectors and the 64/128 columns a row keeps in registers (one chunk, a masked
    /// last vector, a second chunk), k = 0, 1, odd, and across the sgemm kernel's 256-step block.
    static let shapes: [(n: Int, k: Int)] = [
        (1, 1), (10, 128), (128, 64), (7, 3), (16, 16), (17, 5), (33, 64), (64, 9), (100, 31), (129, 2),
        (200, 70), (300, 257), (8, 0), (65, 513),
    ]

    /// Operands with exact zeros of both signs, infinities, a NaN and subnormals among the
    /// random values (so products of -0, infinities and NaN payloads take their path too).
    static func operand(_ count: Int, seed: UInt64, special: Bool) -> [Float] {
        var v = randomFloats(count, seed: seed)
        guard special else { return v }
        let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, 1e-40, -3e-39, 1e30]
        for i in stride(from: Int(seed % 5), to: count, by: 11) { v[i] = specials[(i / 11) % specials.count] }
        return v
    }

    static func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

    @Test func rowKernelMatchesTheSgemmKernelBitwise() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        var seed: UInt64 = 7
        for special in [false, true] {
            for s in Self.shapes {
                for m in [1, 2, 3, 5] {
                    seed += 2
                    let x = Self.operand(m * s.k, seed: seed, special: special)
                    let w = Self.operand(s.n * s.k, seed: seed + 1, special: special)  // W [n, k]
                    var wt = [Float](repeating: 0, count: s.n * s.k)  // W^T [k, n]
                    for j in 0..<s.n { for p in 0..<s.k { wt[p * s.n + j] = w[j * s.k + p] } }
                    for level in (0...best).reversed() {
                        #expect(tandem_kernel_level_cap(level) == level)
                        var want = [Float](repeating: .nan, count: m * s.n), got = want
                        withPointer(x) { px in
                            withPointer(w) { pw in
                                want.withUnsafeMutableBufferPointer { #expect(tandem_sgemm(0, 1, m, s.n, s.k, 1, px, pw, 0, $0.baseAddress!) == 0) }
                            }
                            withPointer(wt) { pt in
                                got.withUnsafeMutableBufferPointer { #expect(tandem_sgemm_rows(m, s.n, s.k, px, pt, $0.baseAddress!) == 0) }
                            }
                        }
                        #expect(Self.bits(got) == Self.bits(want), "m=\(m) n=\(s.n) k=\(s.k) special=\(special) level \(level)")
                    }
                }
            }
        }
    }

    @Test func negativeDimensionWritesNothing() {
        var c: [Float] = [5]
        c.withUnsafeMutableBufferPointer { pc in
            withPointer([1]) { p in #expect(tandem_sgemm_rows(1, -1, 1, p, p, pc.baseAddress!) == -1) }
        }
        #expect(c == [5])
    }

    /// The product from the transposed copy equals `sgemm(.none, .transposed)` on W for every row
    /// count, the row kernel's (up to `rowKernelRows`) and the sgemm kernel's (up to one large
    /// enough for `tandem_sgemm_parallel` to split), at every level.
    @Test func productMatchesSgemmOnWBitwise() throws {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        let n = 128, k = 64
        let w = randomFloats(n * k, seed: 91)
        let operand = try #require(withPointer(w) { TransposedOperand.make($0, n: n, k: k) })
        #expect(operand.n == n && operand.k == k)
        for rows in [0, 1, 2, TransposedOperand.rowKernelRows, TransposedOperand.rowKernelRows + 1, 13, 64, 1024] {
            let x = randomFloats(rows * k, seed: UInt64(100 + rows))
            for level in (0...best).reversed() {
                #expect(tandem_kernel_level_cap(level) == level)
                var want = [Float](repeating: .nan, count: max(rows * n, 1)), got = want
                withPointer(x) { px in
                    withPointer(w) { pw in want.withUnsafeMutableBufferPointer { sgemm(.none, .transposed, m: rows, n: n, k: k, a: px, b: pw, c: $0.baseAddress!) } }
                    got.withUnsafeMutableBufferPointer { operand.product(px, $0.baseAddress!, rows: rows) }
                }
                #expect(Self.bits(got) == Self.bits(want), "rows \(rows) level \(level)")
            }
        }
    }
}
