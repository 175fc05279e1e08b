import Foundation
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

    /// The layer against each function written out independently (in Double, from its
    /// definition), element by element; 1e-6 relative + 1e-7 absolute covers Float rounding of
    /// exp / tanh / erf.
    @Test(arguments: Activation.allCases)
    func forwardAppliesFunctionElementwise(_ f: Activation) {
        let layer = ActivationLayer(f, features: Self.features)
        let reference: (Double) -> Double
        switch f {
        case .relu: reference = { max($0, 0) }
        case .tanh: reference = { (exp($0) - exp(-$0)) / (exp($0) + exp(-$0)) }
        case .sigmoid: reference = { 1 / (1 + exp(-$0)) }
        case .gelu: reference = { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
        case .identity: reference = { $0 }
        }
        let want = Self.x.map { Float(reference(Double($0))) }
        expectGradientsClose(forward(layer, Self.x, rows: Self.rows), want, absolute: 1e-7, relative: 1e-6, "\(f)")
        if f != .identity { #expect(want != Self.x) }   // the check is not vacuous
    }

    /// The first layer gets dx = nil: backward must not crash, must leave x, y and dy as they
    /// were, and reports no parameter gradients (an activation has none).
    @Test(arguments: Activation.allCases)
    func nilDxIsAllowed(_ f: Activation) {
        let layer = ActivationLayer(f, features: Self.features)
        let y = forward(layer, Self.x, rows: Self.rows)
        var (x, yy, dy) = (Self.x, y, Self.r)
        var reported = 0
        x.withUnsafeMutableBufferPointer { px in
            yy.withUnsafeMutableBufferPointer { py in
                dy.withUnsafeMutableBufferPointer { pdy in
                    layer.backward(x: px.baseAddress!, y: py.baseAddress!, dy: pdy.baseAddress!, dx: nil, saved: nil,
                                       rows: Self.rows, context: ForwardContext(training: true), gradientsReady: { _ in reported += 1 })
                }
            }
        }
        #expect(x == Self.x && yy == y && dy == Self.r)
        #expect(reported == 0)
        #expect(layer.parameterRange.isEmpty && layer.savedFeatures == 0)
    }
}
