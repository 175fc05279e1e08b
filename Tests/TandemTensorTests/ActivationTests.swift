import Foundation
import TandemTensor
import Testing
import TestSupport

/// The scalar function of each activation, in Double, written from its definition.
func activationReference(_ f: Activation, _ x: Double) -> Double {
    switch f {
    case .relu: return max(x, 0)
    case .tanh: return Foundation.tanh(x)
    case .sigmoid: return 1 / (1 + Foundation.exp(-x))
    case .gelu: return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
    case .identity: return x
    }
}

@Suite struct ActivationTests {
    /// Points away from relu's kink at 0 (all |x| >= 0.05), including large magnitudes.
    static let points: [Float] = [-6, -3.5, -2, -1.25, -0.7, -0.3, -0.05, 0.05, 0.2, 0.5, 0.9, 1.3, 2.2, 3.7, 6]

    static func forward(_ f: Activation, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in f.forward(px.baseAddress!, py.baseAddress!, count: x.count) }
        }
        return y
    }

    static func backward(_ f: Activation, x: [Float], dy: [Float]) -> [Float] {
        let y = forward(f, x)
        var dx = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                dy.withUnsafeBufferPointer { pdy in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        f.backward(x: px.baseAddress!, y: py.baseAddress!, dy: pdy.baseAddress!,
                                   dx: pdx.baseAddress!, count: x.count)
                    }
                }
            }
        }
        return dx
    }

    /// Forward against the Double formula. Tolerance 1e-6 absolute: a few Float ulps of values <= 6.
    @Test(arguments: Activation.allCases)
    func forwardMatchesFormula(_ f: Activation) {
        let got = ActivationTests.forward(f, ActivationTests.points)
        let want = ActivationTests.points.map { Float(activationReference(f, Double($0))) }
        expectClose(got, want, allowedError: 1e-6, "\(f)")
    }

    /// Backward (with a non-trivial upstream dy) against central differences of the Double scalar
    /// function, h = 1e-5 (truncation error ~1e-10). Tolerance 2e-6 absolute: the Float
    /// derivative formulas (tanh and sigmoid go through the Float output y) are accurate to a few ulps.
    @Test(arguments: Activation.allCases)
    func backwardMatchesFiniteDifferences(_ f: Activation) {
        let xs = ActivationTests.points
        let dy = xs.indices.map { Float(0.5 + 0.1 * Double($0 % 7)) }
        let got = ActivationTests.backward(f, x: xs, dy: dy)
        let h = 1e-5
        let want = xs.indices.map { i -> Float in
            let x = Double(xs[i])
            let d = (activationReference(f, x + h) - activationReference(f, x - h)) / (2 * h)
            return Float(d * Double(dy[i]))
        }
        expectClose(got, want, allowedError: 2e-6, "\(f)")
    }

    /// relu: derivative 0 for x < 0 and dy for x > 0 exactly.
    @Test func reluBackwardIsExactStep() {
        let got = ActivationTests.backward(.relu, x: [-2, -0.5, 0.5, 2], dy: [3, 3, 3, 3])
        #expect(got == [0, 0, 3, 3])
    }

    /// relu backward (16 lanes at a time, then a scalar tail) gives `x > 0 ? dy : 0` bit for bit,
    /// for every length across the blocks, with NaN, signed zeros and infinities in x and dy, and
    /// in place (dx aliasing dy).
    @Test func reluBackwardBlocksMatchTheScalarSelect() {
        var rng = SystemRandomNumberGenerator()
        let specials: [Float] = [.nan, 0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude]
        for count in 0...53 {
            let x = (0..<count).map { i in i % 5 == 0 ? specials[(i / 5) % specials.count] : Float.random(in: -2...2, using: &rng) }
            let dy = (0..<count).map { i in i % 7 == 3 ? specials[(i / 7) % specials.count] : Float.random(in: -3...3, using: &rng) }
            let want = zip(x, dy).map { $0 > 0 ? $1 : 0 }.map(\.bitPattern)
            #expect(ActivationTests.backward(.relu, x: x, dy: dy).map(\.bitPattern) == want, "count \(count)")
            var inPlace = dy
            x.withUnsafeBufferPointer { px in
                inPlace.withUnsafeMutableBufferPointer { p in
                    if let b = p.baseAddress, let xb = px.baseAddress {
                        Activation.relu.backward(x: xb, y: xb, dy: b, dx: b, count: count)
                    }
                }
            }
            #expect(inPlace.map(\.bitPattern) == want, "in place, count \(count)")
        }
    }

    /// Large |x| must not overflow exp into NaN.
    @Test(arguments: [Float(100), -100, 1000, -1000, 88.8, -88.8])
    func sigmoidIsStableForLargeInputs(_ x: Float) {
        let p = Activation.sigmoid(x)
        #expect(p.isFinite && p >= 0 && p <= 1)
        if x >= 100 { #expect(p == 1) }
        if x <= -100 { #expect(p < Float.leastNormalMagnitude) }  // e^-100 ~ 3.7e-44, subnormal
        let y = ActivationTests.forward(.sigmoid, [x])
        let dx = ActivationTests.backward(.sigmoid, x: [x], dy: [1])
        #expect(y[0] == p)
        #expect(dx[0].isFinite && dx[0] >= 0)
        #expect(ActivationTests.forward(.tanh, [x])[0].isFinite)
        #expect(ActivationTests.forward(.gelu, [x])[0].isFinite)
        #expect(ActivationTests.backward(.gelu, x: [x], dy: [1])[0].isFinite)
    }

    /// Forward and backward work in place (x and y, dx and dy alias), as the doc comments allow.
    @Test(arguments: Activation.allCases)
    func inPlaceMatchesOutOfPlace(_ f: Activation) {
        let xs = ActivationTests.points
        var inPlace = xs
        inPlace.withUnsafeMutableBufferPointer { p in f.forward(UnsafePointer(p.baseAddress!), p.baseAddress!, count: xs.count) }
        #expect(inPlace == ActivationTests.forward(f, xs))

        let y = ActivationTests.forward(f, xs)
        var g = xs.map { $0 * 0.5 + 1 }
        let expected = ActivationTests.backward(f, x: xs, dy: g)
        xs.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                g.withUnsafeMutableBufferPointer { pg in
                    f.backward(x: px.baseAddress!, y: py.baseAddress!, dy: UnsafePointer(pg.baseAddress!),
                               dx: pg.baseAddress!, count: xs.count)
                }
            }
        }
        #expect(g == expected)
    }

    /// Known values, so the Double reference formulas are themselves checked.
    @Test func knownValues() {
        expectClose(activationReference(.gelu, 1), 0.8413447460685429, allowedError: 1e-15)
        expectClose(activationReference(.sigmoid, 0), 0.5, allowedError: 0)
        expectClose(Double(Activation.geluDerivative(0)), 0.5, allowedError: 1e-7)
        // 1 + erf(-2.12) cancels in Float: ~2e-5 relative error on a value of 4e-3.
        expectClose(Double(Activation.gelu(-3)), -0.004049694, allowedError: 2e-7)
    }
}
