import Foundation
import Testing
import TandemOptim
import TestSupport

/// A plain Double reference of Adam/AdamW (PyTorch semantics).
struct AdamReference {
    var p: [Double]
    var m: [Double]
    var v: [Double]
    var t = 0
    let beta1: Double, beta2: Double, eps: Double, wd: Double
    let decoupled: Bool
    let decays: [Bool]

    init(_ p: [Float], beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, wd: Double = 0,
         decoupled: Bool = false, decays: [Bool]? = nil) {
        self.p = doubles(p)
        m = [Double](repeating: 0, count: p.count)
        v = m
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.wd = wd
        self.decoupled = decoupled
        self.decays = decays ?? [Bool](repeating: true, count: p.count)
    }

    mutating func step(_ g: [Float], lr: Double) {
        t += 1
        for i in p.indices {
            let d = decays[i] ? wd : 0
            if decoupled { p[i] -= lr * d * p[i] }
            let gi = Double(g[i]) + (decoupled ? 0 : d * p[i])
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            let mHat = m[i] / (1 - pow(beta1, Double(t)))
            let vHat = v[i] / (1 - pow(beta2, Double(t)))
            p[i] -= lr * mHat / (vHat.squareRoot() + eps)
        }
    }
}

@Suite struct AdamTests {
    static let grads: [[Float]] = [[0.5, -1.5, 0.01, 2], [0.3, -1, 0.02, -2], [-0.4, 0.5, 0.03, 1]]
    static let start: [Float] = [1, -2, 0.5, 3]

    @Test func firstStepMovesEachParameterByAboutLearningRate() {
        // At t = 1, m-hat = g and v-hat = g^2, so the update is lr * g / (|g| + eps).
        let opt = Optimizer(options: OptimizerOptions(kind: .adam), count: 4, decayRanges: [])
        var p = Self.start
        step(opt, &p, Self.grads[0], lr: 0.01)
        expectClose(p, [0.99, -1.99, 0.49, 2.99], allowedError: 1e-6)
    }

    /// Relative tolerance of the reference comparisons.
    static let tolerance = 1e-6

    @Test func firstStepIsExactlyBiasCorrected() {
        // m-hat / sqrt(v-hat) is exactly g / |g| at t = 1, so p moves by lr / (1 + eps / |g|).
        let opt = Optimizer(options: OptimizerOptions(kind: .adam), count: 2, decayRanges: [])
        var p: [Float] = [0, 0]
        step(opt, &p, [1, -4], lr: 1)
        // Regression: 1 - Float(0.999) in the moments against Double 0.999 in the bias
        // correction once made this off by 6.7e-6.
        let err = maxRelativeError(p, [-1 / (1 + 1e-8), 1 / (1 + 0.25e-8)])
        #expect(err < 1e-6, "\(p)")
    }

    @Test(arguments: [(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)])
    func adamMatchesDoubleReference(betas: (Double, Double)) {
        let opt = Optimizer(options: OptimizerOptions(kind: .adam, beta1: betas.0, beta2: betas.1), count: 4, decayRanges: [])
        var p = Self.start
        var ref = AdamReference(p, beta1: betas.0, beta2: betas.1)
        for g in Self.grads {
            step(opt, &p, g, lr: 0.05)
            ref.step(g, lr: 0.05)
            #expect(maxRelativeError(p, ref.p) < Self.tolerance, "step \(ref.t): \(p) vs \(ref.p)")
        }
        #expect(opt.stepCount == 3)
    }

    @Test func adamWeightDecayIsL2AddedToTheGradient() {
        let opt = Optimizer(options: OptimizerOptions(kind: .adam, weightDecay: 0.1), count: 4, decayRanges: [0..<2])
        var p = Self.start
        var ref = AdamReference(p, wd: 0.1, decays: [true, true, false, false])
        for g in Self.grads {
            step(opt, &p, g, lr: 0.05)
            ref.step(g, lr: 0.05)
        }
        #expect(maxRelativeError(p, ref.p) < Self.tolerance, "\(p) vs \(ref.p)")
    }

    @Test func adamwMatchesDecoupledReference() {
        let opt = Optimizer(options: OptimizerOptions(kind: .adamw, weightDecay: 0.1), count: 4, decayRanges: [0..<2])
        var p = Self.start
        var ref = AdamReference(p, wd: 0.1, decoupled: true, decays: [true, true, false, false])
        for g in Self.grads {
            step(opt, &p, g, lr: 0.05)
            ref.step(g, lr: 0.05)
        }
        #expect(maxRelativeError(p, ref.p) < Self.tolerance, "\(p) vs \(ref.p)")
    }

    @Test func adamwWithZeroGradientShrinksByLearningRateTimesDecay() {
        let lr = 0.1, wd = 0.2
        let opt = Optimizer(options: OptimizerOptions(kind: .adamw, weightDecay: wd), count: 3, decayRanges: [0..<3])
        var p: [Float] = [1, -4, 0.25]
        var expected = doubles(p)
        for _ in 0..<3 {
            step(opt, &p, [0, 0, 0], lr: lr)
            expected = expected.map { $0 * (1 - lr * wd) }
            #expect(maxRelativeError(p, expected) < 1e-6, "\(p) vs \(expected)")
        }
    }

    @Test func adamAndAdamwDifferUnderWeightDecay() {
        // With a zero gradient, Adam's L2 term goes through the moments: the first step is
        // lr * sign(p) (normalized), not lr * wd * p as in AdamW.
        let lr = 0.1, wd = 0.2
        let adam = Optimizer(options: OptimizerOptions(kind: .adam, weightDecay: wd), count: 2, decayRanges: [0..<2])
        let adamw = Optimizer(options: OptimizerOptions(kind: .adamw, weightDecay: wd), count: 2, decayRanges: [0..<2])
        var pa: [Float] = [1, -4], pw: [Float] = [1, -4]
        step(adam, &pa, [0, 0], lr: lr)
        step(adamw, &pw, [0, 0], lr: lr)
        expectClose(pa, [0.9, -3.9], allowedError: 1e-5)
        expectClose(pw, [0.98, -3.92], allowedError: 1e-5)
    }

    @Test(arguments: [OptimizerKind.adam, .adamw])
    func decayIsNotAppliedOutsideDecayRanges(kind: OptimizerKind) {
        let opt = Optimizer(options: OptimizerOptions(kind: kind, weightDecay: 0.5), count: 4, decayRanges: [1..<2])
        var p: [Float] = [1, 2, 3, 4]
        for _ in 0..<3 { step(opt, &p, [0, 0, 0, 0], lr: 0.1) }
        #expect(p[0] == 1 && p[2] == 3 && p[3] == 4, "\(p)")
        #expect(p[1] < 2, "the decayed parameter must shrink: \(p[1])")
    }
}
