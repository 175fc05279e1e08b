import CKernels
import Foundation

/// Fused softmax + cross-entropy for multi-class classification.
public enum SoftmaxCrossEntropy {
    /// Computes class probabilities, the summed loss, and the gradient with respect to the logits,
    /// in one C pass (`tandem_softmax_xent`: glibc's expf algorithm vectorized with AVX-512 or
    /// AVX2+FMA, or expf itself), bit for bit what `reference` computes.
    ///
    /// Shapes: `logits`, `probabilities`, `dLogits`: `[rows, classes]`; `labels`: `[rows]`, each in
    /// `0..<classes`. Writes `probabilities = softmax(logits)` and
    /// `dLogits = (probabilities - onehot(labels)) * gradScale` (pass `dLogits: nil` to skip).
    /// Returns `sum_r -log p[r, labels[r]]` in Double (not divided by `rows`).
    /// With `classWeights` `[classes]`, row r's loss and gradient are multiplied by
    /// `classWeights[labels[r]]` (the weighted loss sum).
    public static func forwardBackward(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                       rows: Int, classes: Int,
                                       probabilities: UnsafeMutablePointer<Float>,
                                       dLogits: UnsafeMutablePointer<Float>?, gradScale: Float,
                                       classWeights: UnsafePointer<Float>? = nil) -> Double {
        tandem_softmax_xent(logits, labels, rows, classes, probabilities, dLogits, gradScale, classWeights)
    }

    /// The Swift loop `forwardBackward` must match bit for bit (same arguments and results).
    ///
    /// Shapes: `logits`, `probabilities`, `dLogits`: `[rows, classes]`; `labels`: `[rows]`, each in
    /// `0..<classes`. Writes `probabilities = softmax(logits)` and
    /// `dLogits = (probabilities - onehot(labels)) * gradScale` (pass `dLogits: nil` to skip).
    /// Returns `sum_r -log p[r, labels[r]]` in Double (not divided by `rows`).
    /// With `classWeights` `[classes]`, row r's loss and gradient are multiplied by
    /// `classWeights[labels[r]]` (the weighted loss sum).
    public static func reference(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                                       rows: Int, classes: Int,
                                       probabilities: UnsafeMutablePointer<Float>,
                                       dLogits: UnsafeMutablePointer<Float>?, gradScale: Float,
                                       classWeights: UnsafePointer<Float>? = nil) -> Double {
        var loss = 0.0
        for r in 0..<rows {
            let z = logits + r * classes
            let p = probabilities + r * classes
            var m = z[0]
            for c in 1..<classes { m = max(m, z[c]) }
            var s: Float = 0
            for c in 0..<classes { let e = exp(z[c] - m); p[c] = e; s += e }
            let inv = 1 / s
            for c in 0..<classes { p[c] *= inv }
            let y = Int(labels[r])
            // log p_y = z_y - m - log s, computed from logits for accuracy.
            let rowLoss = log(s) + m - z[y]
            let w = classWeights?[y]
            loss += Double(w.map { $0 * rowLoss } ?? rowLoss)
            if let d = dLogits {
                let g = d + r * classes
                let scale = w.map { $0 * gradScale } ?? gradScale
                for c in 0..<classes { g[c] = p[c] * scale }
                g[y] -= scale
            }
        }
        return loss
    }
}
