import TandemTensor

/// Elementwise activation as a layer. x, y, dy, dx: `[rows, features]`.
public final class ActivationLayer: Layer {
    public let function: Activation
    public let inFeatures: Int
    public var outFeatures: Int { inFeatures }

    public init(_ function: Activation, features: Int) {
        self.function = function
        inFeatures = features
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, context: ForwardContext) {
        function.forward(x, y, count: rows * inFeatures)
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>?, rows: Int) {
        guard let dx else { return }
        function.backward(x: x, y: y, dy: dy, dx: dx, count: rows * inFeatures)
    }
}
