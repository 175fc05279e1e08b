import Foundation
import TandemTensor

/// The loss on top of the network's output, chosen by task and class count.
public enum LossHead: Equatable, Sendable {
    /// Softmax + cross-entropy over `classes` logits (3 or more classes).
    case softmaxCrossEntropy(classes: Int)
    /// Sigmoid + binary cross-entropy on one logit (two classes).
    case binaryCrossEntropy
    /// Squared error on `outputs` values (regression).
    case meanSquaredError(outputs: Int)

    /// The head for a classification task with `classes` classes, or regression when nil.
    public init(classes: Int?) {
        switch classes {
        case .some(let c) where c == 2: self = .binaryCrossEntropy
        case .some(let c): self = .softmaxCrossEntropy(classes: c)
        case .none: self = .meanSquaredError(outputs: 1)
        }
    }

    /// Width of the network output this head consumes.
    public var outputs: Int {
        switch self {
        case .softmaxCrossEntropy(let c): return c
        case .binaryCrossEntropy: return 1
        case .meanSquaredError(let o): return o
        }
    }

    /// Width of the probabilities this head reports: classes (2 for binary), or outputs.
    public var probabilityWidth: Int {
        switch self {
        case .softmaxCrossEntropy(let c): return c
        case .binaryCrossEntropy: return 2
        case .meanSquaredError(let o): return o
        }
    }

    /// Loss summed over `rows` and its gradient.
    ///
    /// Shapes: `output` `[rows, outputs]`; `labels` `[rows]` (classification) or `targets`
    /// `[rows, outputs]` (regression); `scratch` at least `[rows, outputs]`; `dOutput`
    /// `[rows, outputs]` receives d(loss sum * gradScale)/d output (nil to skip). `classWeights`
    /// `[classes]` (classification only) weighs each row's loss by its class (`train.class_weight`).
    public func lossSum(output: UnsafePointer<Float>, labels: UnsafePointer<Int32>?, targets: UnsafePointer<Float>?,
                        rows: Int, scratch: UnsafeMutablePointer<Float>, dOutput: UnsafeMutablePointer<Float>?,
                        gradScale: Float, classWeights: UnsafePointer<Float>? = nil) -> Double {
        switch self {
        case .softmaxCrossEntropy(let c):
            guard let labels else { return .nan }
            return SoftmaxCrossEntropy.forwardBackward(logits: output, labels: labels, rows: rows, classes: c,
                                                       probabilities: scratch, dLogits: dOutput, gradScale: gradScale,
                                                       classWeights: classWeights)
        case .binaryCrossEntropy:
            guard let labels else { return .nan }
            return BinaryCrossEntropy.forwardBackward(logits: output, labels: labels, rows: rows,
                                                      probabilities: scratch, dLogits: dOutput, gradScale: gradScale,
                                                      classWeights: classWeights)
        case .meanSquaredError(let o):
            guard let targets else { return .nan }
            return MeanSquaredError.forwardBackward(predictions: output, targets: targets, count: rows * o,
                                                    dPred: dOutput, gradScale: gradScale)
        }
    }

    /// Converts raw network outputs `[rows, outputs]` into probabilities `[rows, probabilityWidth]`
    /// (softmax; `[1 - p, p]` for binary) or passes regression values through.
    public func probabilities(_ output: Matrix) -> Matrix {
        switch self {
        case .softmaxCrossEntropy(let c):
            var out = Matrix(rows: output.rows, cols: c)
            for r in 0..<output.rows {
                var m = -Float.infinity
                for j in 0..<c { m = max(m, output[r, j]) }
                var s: Float = 0
                for j in 0..<c { let e = exp(output[r, j] - m); out[r, j] = e; s += e }
                for j in 0..<c { out[r, j] /= s }
            }
            return out
        case .binaryCrossEntropy:
            var out = Matrix(rows: output.rows, cols: 2)
            for r in 0..<output.rows {
                let p = Activation.sigmoid(output[r, 0])
                out[r, 0] = 1 - p
                out[r, 1] = p
            }
            return out
        case .meanSquaredError:
            return output
        }
    }
}
