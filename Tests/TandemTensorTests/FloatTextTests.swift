import Foundation
import TandemTensor
import Testing

/// `FloatText` prints exactly what `Float.description` prints: edge values of the fast path's
/// range and of Swift's layouts, every float of a few whole binades, and random bit patterns
/// over the whole range. `TANDEM_FLOAT_TEXT_EXHAUSTIVE=1` checks every float of the fast path's
/// range (2^-40 <= |x| < 2^24, about 10^9 values; minutes in a release build).
@Suite struct FloatTextTests {
    static func text(_ x: Float) -> String {
        var bytes: [UInt8] = []
        FloatText.append(x, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bit patterns `from..<to`, both signs, each against `description`; the mismatches.
    static func mismatches(from: UInt32, to: UInt32, stride: UInt32 = 1) -> [Float] {
        var bad: [Float] = []
        var buffer = [UInt8](repeating: 0, count: FloatText.maxLength)
        var bits = from
        while bits < to {
            for sign: UInt32 in [0, 0x8000_0000] {
                let x = Float(bitPattern: bits | sign)
                let n = buffer.withUnsafeMutableBufferPointer { FloatText.write(x, to: $0.baseAddress!) }
                if String(decoding: buffer[0..<n], as: UTF8.self) != x.description, bad.count < 10 { bad.append(x) }
            }
            bits += stride
        }
        return bad
    }

    @Test func edgesAndLayoutsMatchDescription() {
        var values: [Float] = [0, -0.0, 1, -1, 0.1, 0.5, 0.99202466, 6.8211804e-05, 1e-4, 9.999e-05, 1e-5, 2.5e-4, 123, 100.5,
                               1234567, 1e7, 8388607.5, 8388608, 16777215, 16777216, 16777218, 3.4028235e38, 1e10,
                               .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity, .nan,
                               0x1p-40, 0x1p-41, 0x1.fffffep-41, 0x1p24, 0x1.fffffep23]
        for e in -45...38 { values.append(Float("1e\(e)") ?? 0) }  // powers of ten, each side of the fast path
        for k in -150...127 { values.append(Float(sign: .plus, exponent: k, significand: 1)) }  // powers of two (asymmetric intervals)
        for x in values {
            #expect(Self.text(x) == x.description, "\(x.bitPattern)")
            #expect(Self.text(-x) == (-x).description, "\(x.bitPattern)")
        }
    }

    /// Every float of the binades [0.5, 1) (probabilities) and [2^-40, 2^-39) (the fast path's
    /// lowest), 1 in 31.
    @Test func wholeBinadesMatchDescription() {
        #expect(Self.mismatches(from: Float(0.5).bitPattern, to: Float(1).bitPattern, stride: 31).isEmpty)
        #expect(Self.mismatches(from: Float(0x1p-40).bitPattern, to: Float(0x1p-39).bitPattern, stride: 31).isEmpty)
        #expect(Self.mismatches(from: Float(0x1p23).bitPattern, to: Float(0x1p24).bitPattern, stride: 31).isEmpty)
    }

    @Test func randomBitPatternsMatchDescription() {
        var rng = SystemRandomNumberGenerator()
        var bad: [UInt32] = []
        for _ in 0..<300_000 {
            let bits = UInt32.random(in: 0...UInt32.max, using: &rng)
            let x = Float(bitPattern: bits)
            if Self.text(x) != x.description { bad.append(bits) }
        }
        #expect(bad.isEmpty, "\(bad.prefix(10))")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["TANDEM_FLOAT_TEXT_EXHAUSTIVE"] == "1"))
    func everyFloatOfTheFastPathMatchesDescription() {
        #expect(Self.mismatches(from: Float(0x1p-40).bitPattern, to: Float(0x1p24).bitPattern).isEmpty)
    }
}
