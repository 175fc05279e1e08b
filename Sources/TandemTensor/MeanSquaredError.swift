/// Squared-error loss for regression.
public enum MeanSquaredError {
    /// Returns `sum (pred - target)^2` in Double (the caller divides by the count) and writes
    /// `dPred = 2 * (pred - target) * gradScale` when `dPred` is given.
    ///
    /// Shapes: `predictions`, `targets`, `dPred`: `[count]` (rows x outputs, flattened).
    @inlinable
    public static func forwardBackward(predictions: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int,
                                       dPred: UnsafeMutablePointer<Float>?, gradScale: Float) -> Double {
        var loss = 0.0
        for i in 0..<count {
            let e = predictions[i] - targets[i]
            loss += Double(e) * Double(e)
            if let d = dPred { d[i] = 2 * e * gradScale }
        }
        return loss
    }
}
