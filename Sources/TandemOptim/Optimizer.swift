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
/// pass over memory (SIMD for Adam). Weight decay applies only inside `decayRanges` (weights,
/// not biases).
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
    /// Consecutive element ranges covering `0..<count`, each with or without weight decay
    /// (adjacent ranges that take the same update merged: `merged`).
    private let segments: [(range: Range<Int>, decays: Bool)]

    /// `decayRanges`: element ranges that weight decay applies to (non-overlapping).
    public init(options: OptimizerOptions, count: Int, decayRanges: [Range<Int>]) {
        self.options = options
        self.count = count
        moment1 = FloatBuffer(count: options.kind == .sgd && options.momentum == 0 ? 0 : count)
        moment2 = FloatBuffer(count: options.kind == .sgd ? 0 : count)
        var segments: [(range: Range<Int>, decays: Bool)] = []
        var cursor = 0
        for r in decayRanges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !r.isEmpty {
            if r.lowerBound > cursor { segments.append((cursor..<r.lowerBound, false)) }
            segments.append((r, true))
            cursor = r.upperBound
        }
        if cursor < count { segments.append((cursor..<count, false)) }
        self.segments = Self.merged(segments, kind: options.kind, weightDecay: options.weightDecay)
    }

    /// Adjacent segments that take the same update run as one call (without weight decay:
    /// weights and biases alike). For Adam only where the first ends on a whole block of 16
    /// lanes, since the kernel's scalar tail orders the update's operations differently from its
    /// blocks: every element keeps the path, and so the bits, it had as its own segment.
    static func merged(_ segments: [(range: Range<Int>, decays: Bool)], kind: OptimizerKind,
                       weightDecay: Double) -> [(range: Range<Int>, decays: Bool)] {
        var runs: [(range: Range<Int>, decays: Bool)] = []
        for s in segments {
            if let last = runs.last, last.decays == s.decays || weightDecay == 0,
               kind == .sgd || last.range.count % 16 == 0 {
                runs[runs.count - 1] = (last.range.lowerBound..<s.range.upperBound, last.decays && weightDecay != 0)
            } else {
                runs.append(s)
            }
        }
        return runs
    }

    /// One update with learning rate `lr`. params, grads: `[count]`; `grads` is not modified.
    public func step(params p: UnsafeMutablePointer<Float>, grads g: UnsafePointer<Float>, lr: Double) {
        stepCount += 1
        let corrections = biasCorrections(update: stepCount)
        for (range, decays) in segments {
            switch options.kind {
            case .sgd:
                let o = range.lowerBound, wd = decays ? Float(options.weightDecay) : 0
                sgd(p + o, g + o, options.momentum == 0 ? nil : moment1.base + o, range.count, Float(lr), wd)
            case .adam, .adamw:
                _ = adam(p, g, range, decays: decays, lr: lr, corrections: corrections, summingSquares: false)
            }
        }
    }

    /// Adam's bias corrections 1 / (1 - beta1^t) and 1 / (1 - beta2^t) for update number `t`.
    private func biasCorrections(update t: Int) -> (Float, Float) {
        (Float(1 / (1 - Foundation.pow(options.beta1, Double(t)))), Float(1 / (1 - Foundation.pow(options.beta2, Double(t)))))
    }

    /// Adam or AdamW on the elements `range` of params `p` and grads `g` (`decays`: with weight
    /// decay). With `summingSquares`, the fused kernel: returns the sum of squares of g over the
    /// range (NaN, with nothing updated, when an element is not finite); else returns 0.
    private func adam(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ range: Range<Int>, decays: Bool,
                      lr: Double, corrections c: (Float, Float), summingSquares: Bool) -> Double {
        let o = range.lowerBound
        let wd = decays ? Float(options.weightDecay) : 0
        let decoupled = options.kind == .adamw
        let (l2, decoupledDecay) = decoupled ? (Float(0), Float(lr) * wd) : (wd, Float(0))
        let args = (p: p + o, g: g + o, m: moment1.base + o, v: moment2.base + o, count: range.count, lr: Float(lr),
                    beta1: Float(options.beta1), beta2: Float(options.beta2), oneMinusBeta1: Float(1 - options.beta1),
                    oneMinusBeta2: Float(1 - options.beta2), epsilon: Float(options.epsilon))
        if summingSquares {
            return AdamKernel.updateSummingSquares(p: args.p, g: args.g, m: args.m, v: args.v, count: args.count, lr: args.lr,
                                                   beta1: args.beta1, beta2: args.beta2, oneMinusBeta1: args.oneMinusBeta1,
                                                   oneMinusBeta2: args.oneMinusBeta2, epsilon: args.epsilon, correction1: c.0,
                                                   correction2: c.1, l2: l2, decoupledDecay: decoupledDecay)
        }
        AdamKernel.update(p: args.p, g: args.g, m: args.m, v: args.v, count: args.count, lr: args.lr, beta1: args.beta1,
                          beta2: args.beta2, oneMinusBeta1: args.oneMinusBeta1, oneMinusBeta2: args.oneMinusBeta2,
                          epsilon: args.epsilon, correction1: c.0, correction2: c.1, l2: l2, decoupledDecay: decoupledDecay)
        return 0
    }

    /// Whether `stepSummingSquares` can fuse the gradient's sum of squares into the update: Adam
    /// or AdamW in one run over all `count` elements (no weight decay split, see `merged`).
    public var sumsSquaresInStep: Bool { options.kind != .sgd && segments.count == 1 }

    /// `step`, also returning the sum of squares of `grads` `[count]` as
    /// `Elementwise.sumOfSquares(grads, count: count)` gives it, bit for bit, from the update's
    /// own pass; or nil, with nothing updated, when an element of `grads` is not finite (the
    /// caller reports it from the norm computed as before). Only where `sumsSquaresInStep`.
    public func stepSummingSquares(params p: UnsafeMutablePointer<Float>, grads g: UnsafePointer<Float>, lr: Double) -> Double? {
        precondition(sumsSquaresInStep, "Optimizer.stepSummingSquares: not an Adam update in one run")
        let squares = adam(p, g, segments[0].range, decays: segments[0].decays, lr: lr,
                           corrections: biasCorrections(update: stepCount + 1), summingSquares: true)
        guard !squares.isNaN else { return nil }
        stepCount += 1
        return squares
    }

    /// SGD on `n` elements: `v = mu v + g'`, `p -= lr (nesterov ? g' + mu v : v)`, g' = g + wd p.
    private func sgd(_ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>?,
                     _ n: Int, _ lr: Float, _ wd: Float) {
        guard let v else {
            for i in 0..<n { p[i] -= lr * (g[i] + wd * p[i]) }
            return
        }
        let mu = Float(options.momentum)
        if options.nesterov {
            for i in 0..<n { let gi = g[i] + wd * p[i]; v[i] = mu * v[i] + gi; p[i] -= lr * (gi + mu * v[i]) }
        } else {
            for i in 0..<n { let gi = g[i] + wd * p[i]; v[i] = mu * v[i] + gi; p[i] -= lr * v[i] }
        }
    }
}
