import Testing
import TandemOptim
import TestSupport

@Suite struct GradientClippingTests {
    /// Clips a copy of `g` and returns the returned norm and the clipped vector.
    func clip(_ g: [Float], maxNorm: Double) -> (Double, [Float]) {
        var x = g
        let norm = x.withUnsafeMutableBufferPointer { GradientClipping.clip($0.baseAddress!, count: $0.count, maxNorm: maxNorm) }
        return (norm, x)
    }

    func l2(_ x: [Float]) -> Double { x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    @Test func clipsToMaxNormKeepingDirection() {
        let (norm, x) = clip([3, 4], maxNorm: 1)
        expectClose(norm, 5, allowedError: 1e-6)
        expectClose(x, [0.6, 0.8], allowedError: 1e-5)
        expectClose(l2(x), 1, allowedError: 1e-4)
    }

    @Test(arguments: [1, 7, 8, 9, 100, 4_097, 10_003])
    func preClipNormIsL2NormForAnyLength(count: Int) {
        // Lengths around the 8-wide SIMD blocks and the 4096-element flush.
        let g = (0..<count).map { Float(($0 * 37) % 23) - 11 + 0.5 }
        let reference = l2(g)
        let (norm, x) = clip(g, maxNorm: 2.5)
        expectClose(norm, reference, allowedError: 1e-5 * reference)
        expectClose(l2(x), 2.5, allowedError: 1e-4)
        // Same direction: x = g * (2.5 / |g|).
        let scale = Float(2.5 / reference)
        expectClose(x, g.map { $0 * scale }, allowedError: 1e-5)
    }

    @Test func belowMaxNormIsUnchanged() {
        let g: [Float] = [0.3, -0.4, 0]
        let (norm, x) = clip(g, maxNorm: 1)
        expectClose(norm, 0.5, allowedError: 1e-7)
        #expect(x == g)
    }

    @Test func zeroMaxNormMeansOff() {
        let g: [Float] = [30, -40]
        let (norm, x) = clip(g, maxNorm: 0)
        expectClose(norm, 50, allowedError: 1e-5)
        #expect(x == g)
    }

    @Test func emptyGradientHasZeroNorm() {
        var x: [Float] = [0]
        let norm = x.withUnsafeMutableBufferPointer { GradientClipping.clip($0.baseAddress!, count: 0, maxNorm: 1) }
        #expect(norm == 0)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteGradientIsReportedAndLeftAlone(bad: Float) {
        let g: [Float] = [1, bad, 2]
        let (norm, x) = clip(g, maxNorm: 1)
        #expect(!norm.isFinite)
        if bad.isNaN { #expect(norm.isNaN) } else { #expect(norm == .infinity) }
        #expect(x[0] == 1 && x[2] == 2)
        #expect(x[1].bitPattern == bad.bitPattern)
    }

    @Test func largeButFiniteGradientIsClipped() {
        // Elements of 1e20 are finite Floats and the norm (~2.8e20) is a finite Double, but
        // their squares overflow a Float accumulator (regression: the norm came back as +inf
        // and the exploding gradient was not clipped).
        let g = [Float](repeating: 1e20, count: 8)
        let (norm, x) = clip(g, maxNorm: 1)
        #expect(norm.isFinite, "norm \(norm)")
        expectClose(norm, 1e20 * 8.0.squareRoot(), allowedError: 1e14)
        expectClose(l2(x), 1, allowedError: 1e-4)
    }
}
