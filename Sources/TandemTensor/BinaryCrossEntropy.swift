import Foundation

/// Fused sigmoid + binary cross-entropy for two-class problems with a single logit per row.
public enum BinaryCrossEntropy {
    /// Computes `p = sigmoid(logit)`, the summed loss and the gradient with respect to the logits.
    ///
    /// Shapes: `logits`, `probabilities`, `dLogits`: `[rows]`; `labels`: `[rows]` in {0, 1}.
    /// `dLogits = (p - y) * gradScale` (pass nil to skip). Returns
    /// `sum_r -(y log p + (1 - y) log(1 - p))` in Double, computed stably from the logits.
    /// With `classWeights` `[2]`, row r's loss and gradient are multiplied by `classWeights[y_r]`.
    @inlinable
    public static func forwardBackward(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int,
                                       probabilities: UnsafeMutablePointer<Float>,
                                       dLogits: UnsafeMutablePointer<Float>?, gradScale: Float,
                                       classWeights: UnsafePointer<Float>? = nil) -> Double {
        var loss = 0.0
        for r in 0..<rows {
            let z = logits[r]
            let y: Float = labels[r] == 0 ? 0 : 1
            let p = Activation.sigmoid(z)
            probabilities[r] = p
            // softplus(z) - y*z == -(y log p + (1-y) log(1-p))
            let softplus = max(z, 0) + log1p(exp(-abs(z)))
            let w = classWeights?[labels[r] == 0 ? 0 : 1]
            loss += Double(w.map { $0 * (softplus - y * z) } ?? (softplus - y * z))
            if let d = dLogits { d[r] = (p - y) * (w.map { $0 * gradScale } ?? gradScale) }
        }
        return loss
    }
}
