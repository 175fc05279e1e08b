import TandemTensor

/// Elementwise activation as a layer. x, y, dy, dx: `[rows, features]`.
public final class ActivationLayer: Layer {
    public let function: Activation
    public let inFeatures: Int
    public var outFeatures: Int { inFeatures }
    public let outputColumns: Range<Int>

    /// `columns`: which of the whole layer's features the input holds (all by default).
    public init(_ function: Activation, features: Int, columns: Range<Int>? = nil) {
        self.function = function
        inFeatures = features
        outputColumns = columns ?? 0..<features
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) {
        function.forward(x, y, count: rows * inFeatures)
    }

    /// dx = f'(x) dy; nothing when `dx` is nil.
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext, gradientsReady: (Range<Int>) -> Void) {
        guard let dx else { return }
        function.backward(x: x, y: y, dy: dy, dx: dx, count: rows * inFeatures)
    }
}
