import TandemTensor

/// Clipping of the whole gradient by its global L2 norm.
public enum GradientClipping {
    /// Returns the L2 norm of `grads` `[count]` and, when `maxNorm > 0` and the norm exceeds it,
    /// scales the gradient in place to norm `maxNorm`.
    @discardableResult
    public static func clip(_ grads: UnsafeMutablePointer<Float>, count: Int, maxNorm: Double) -> Double {
        let norm = Elementwise.sumOfSquares(grads, count: count).squareRoot()
        scale(grads, count: count, norm: norm, maxNorm: maxNorm)
        return norm
    }

    /// Scales `grads` `[count]`, whose global norm is `norm` (e.g. summed over model-parallel
    /// shards), to norm `maxNorm` when `maxNorm > 0` and the norm exceeds it.
    public static func scale(_ grads: UnsafeMutablePointer<Float>, count: Int, norm: Double, maxNorm: Double) {
        if maxNorm > 0, norm > maxNorm, norm.isFinite {
            Elementwise.scale(grads, by: Float(maxNorm / (norm + 1e-6)), count: count)
        }
    }
}
