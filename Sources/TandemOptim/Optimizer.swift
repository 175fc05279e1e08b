import Foundation
import TandemTensor

/// Which update rule an `Optimizer` applies.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    /// SGD with optional (Nesterov) momentum; weight decay as an L2 term added to the gradient.
    case sgd
    /// Adam; weight decay as an L2 term added to the gradient (as in PyTorch's Adam).
    case adam
    /// Adam with decoupled weight decay (Loshchilov & Hutter): `p -= lr * wd * p` before the step.
    case adamw
}

/// Hyperparameters of an optimizer.
public struct OptimizerOptions: Equatable, Sendable {
    public var kind: OptimizerKind
    public var momentum: Double
    public var nesterov: Bool
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double

    public init(kind: OptimizerKind, momentum: Double = 0, nesterov: Bool = false, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.kind = kind
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// Applies one update rule to a flat parameter buffer with its gradient buffer (same layout).
///
/// State (momentum or Adam moments) lives in flat buffers of the same length, so a step is one
/// pass over memory. Weight decay applies only inside `decayRanges` (weights, not biases).
public final class Optimizer {
    public let options: OptimizerOptions
    /// Number of parameters.
    public let count: Int
    /// First moment (Adam) or velocity (SGD momentum), `[count]`.
    public let moment1: FloatBuffer
    /// Second moment (Adam), `[count]`; empty for SGD.
    public let moment2: FloatBuffer
    /// Updates applied so far (Adam's bias correction uses it).
    public var stepCount: Int = 0
    private let decayMask: FloatBuffer

    /// `decayRanges`: element ranges that weight decay applies to.
    public init(options: OptimizerOptions, count: Int, decayRanges: [Range<Int>]) {
        self.options = options
        self.count = count
        moment1 = FloatBuffer(count: options.kind == .sgd && options.momentum == 0 ? 0 : count)
        moment2 = FloatBuffer(count: options.kind == .sgd ? 0 : count)
        decayMask = FloatBuffer(count: count)
        for r in decayRanges { for i in r { decayMask.base[i] = 1 } }
    }

    /// One update with learning rate `lr`. params, grads: `[count]`; `grads` is not modified.
    public func step(params p: UnsafeMutablePointer<Float>, grads g: UnsafePointer<Float>, lr: Double) {
        stepCount += 1
        let lrf = Float(lr)
        let wd = Float(options.weightDecay)
        let mask = decayMask.base
        switch options.kind {
        case .sgd:
            let mu = Float(options.momentum)
            if mu == 0 {
                for i in 0..<count { p[i] -= lrf * (g[i] + wd * mask[i] * p[i]) }
            } else {
                let v = moment1.base
                let nesterov = options.nesterov
                for i in 0..<count {
                    let gi = g[i] + wd * mask[i] * p[i]
                    v[i] = mu * v[i] + gi
                    p[i] -= lrf * (nesterov ? gi + mu * v[i] : v[i])
                }
            }
        case .adam, .adamw:
            let b1 = Float(options.beta1), b2 = Float(options.beta2), eps = Float(options.epsilon)
            let c1 = Float(1 / (1 - Foundation.pow(options.beta1, Double(stepCount))))
            let c2 = Float(1 / (1 - Foundation.pow(options.beta2, Double(stepCount))))
            let m = moment1.base, v = moment2.base
            let decoupled = options.kind == .adamw
            let l2 = decoupled ? 0 : wd
            let shrink = decoupled ? lrf * wd : 0
            for i in 0..<count {
                let gi = g[i] + l2 * mask[i] * p[i]
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                let update = (m[i] * c1) / ((v[i] * c2).squareRoot() + eps)
                p[i] -= shrink * mask[i] * p[i] + lrf * update
            }
        }
    }
}
