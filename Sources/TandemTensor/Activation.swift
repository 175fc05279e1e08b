import Foundation

/// Elementwise activation functions and their derivatives.
public enum Activation: String, Codable, CaseIterable, Sendable {
    case relu, tanh, sigmoid, gelu, identity

    /// `y[i] = f(x[i])` for `count` elements; `x` and `y` may alias.
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu: for i in 0..<count { y[i] = max(x[i], 0) }
        case .tanh: for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
        case .sigmoid: for i in 0..<count { y[i] = Activation.sigmoid(x[i]) }
        case .gelu: for i in 0..<count { y[i] = Activation.gelu(x[i]) }
        case .identity: if UnsafePointer(y) != x { y.update(from: x, count: count) }
        }
    }

    /// `dx[i] = dy[i] * f'(x[i])`, given the input `x` and output `y = f(x)` of the forward pass.
    /// `dx` may alias `dy`.
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu: Activation.reluBackward(x: x, dy: dy, dx: dx, count: count)
        case .tanh: for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        case .sigmoid: for i in 0..<count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        case .gelu: for i in 0..<count { dx[i] = dy[i] * Activation.geluDerivative(x[i]) }
        case .identity: if UnsafePointer(dx) != dy { dx.update(from: dy, count: count) }
        }
    }

    /// `dx[i] = x[i] > 0 ? dy[i] : 0` (`dx` may alias `dy`), 16 lanes at a time: a select, where
    /// the scalar loop's conditional load compiled to a branch per element that the signs of a
    /// batch's pre-activations mispredict half the time. The same values bit for bit.
    static func reluBackward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let xs = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            var d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD16<Float>.self)
            d.replace(with: 0, where: .!(xs .> 0))
            UnsafeMutableRawPointer(dx + i).storeBytes(of: d, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            let d = dy[i]
            dx[i] = x[i] > 0 ? d : 0
            i += 1
        }
    }

    /// Logistic sigmoid, stable for large |x|.
    @inlinable public static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + exp(-x)) : { let e = exp(x); return e / (1 + e) }()
    }

    /// Exact GELU: `x * Phi(x)` with the standard normal CDF `Phi`.
    @inlinable public static func gelu(_ x: Float) -> Float {
        0.5 * x * (1 + erf(x * 0.70710678118654752))
    }

    /// d/dx GELU(x) = Phi(x) + x * phi(x).
    @inlinable public static func geluDerivative(_ x: Float) -> Float {
        let cdf = 0.5 * (1 + erf(x * 0.70710678118654752))
        let pdf = exp(-0.5 * x * x) * 0.39894228040143268
        return cdf + x * pdf
    }
}
