import TandemModel
import TandemTensor
import Testing
import TestSupport

@Suite struct ActivationLayerTests {
    static let (rows, features) = (5, 9)

    /// Inputs in [-3, 3) with every |x| >= 0.05, so h = 1e-2 never crosses relu's kink at 0.
    static let x: [Float] = randomFloats(rows * features, seed: 21, scale: 3).map { abs($0) < 0.05 ? $0 + 0.1 : $0 }
    static let r = randomFloats(rows * features, seed: 22)

    /// dx against central differences of L = sum(f(x) * R), each x perturbed by h = 1e-2 in Float.
    /// Truncation h^2/6 |f'''| <= 2e-5; rounding ~ulp(L)/2h ~ 1e-4. Tolerance 1e-3 absolute +
    /// 1e-3 relative per element.
    @Test(arguments: Activation.allCases)
    func backwardMatchesFiniteDifferences(_ f: Activation) {
        let layer = ActivationLayer(f, features: Self.features)
        #expect(layer.inFeatures == Self.features && layer.outFeatures == Self.features)
        let (_, dx) = forwardBackward(layer, Self.x, dy: Self.r, rows: Self.rows)
        let h: Float = 1e-2
        var fd = [Float](repeating: 0, count: Self.x.count)
        for k in Self.x.indices {
            var plus = Self.x, minus = Self.x
            plus[k] += h
            minus[k] -= h
            let diff = dot(forward(layer, plus, rows: Self.rows), Self.r) - dot(forward(layer, minus, rows: Self.rows), Self.r)
            fd[k] = Float(diff / Double(plus[k] - minus[k]))
        }
        expectGradientsClose(dx, fd, absolute: 1e-3, relative: 1e-3, "\(f)")
        if f != .identity { #expect(dx != Self.r) }   // the check is not vacuous
    }

    @Test(arguments: Activation.allCases)
    func forwardAppliesFunctionElementwise(_ f: Activation) {
        let layer = ActivationLayer(f, features: Self.features)
        var want = Self.x
        Self.x.withUnsafeBufferPointer { px in
            want.withUnsafeMutableBufferPointer { f.forward(px.baseAddress!, $0.baseAddress!, count: Self.x.count) }
        }
        #expect(forward(layer, Self.x, rows: Self.rows) == want)
    }

    /// The first layer gets dx = nil: backward must not crash or write anything.
    @Test func nilDxIsAllowed() {
        let layer = ActivationLayer(.tanh, features: 2)
        let x: [Float] = [1, 2], y: [Float] = [0.5, 0.5], dy: [Float] = [1, 1]
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                dy.withUnsafeBufferPointer { layer.backward(x: px.baseAddress!, y: py.baseAddress!, dy: $0.baseAddress!, dx: nil, rows: 1) }
            }
        }
    }
}
