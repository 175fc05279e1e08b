import Testing
import TandemOptim
import TestSupport

/// SGD: plain, with L2 weight decay, momentum and Nesterov momentum (PyTorch semantics).
@Suite struct SGDTests {
    @Test func plainStepIsExactlyLearningRateTimesGradient() {
        let opt = Optimizer(options: OptimizerOptions(kind: .sgd), count: 4, decayRanges: [0..<4])
        var p: [Float] = [1, -2, 0.5, 100]
        let g: [Float] = [0.1, 0.2, -0.3, 7]
        let lr = 0.05
        let expected = zip(p, g).map { $0 - Float(lr) * $1 }
        step(opt, &p, g, lr: lr)
        #expect(p == expected)
        #expect(opt.stepCount == 1)
        #expect(opt.moment1.count == 0, "plain SGD keeps no velocity")
        #expect(opt.moment2.count == 0)
    }

    @Test func gradientIsNotModified() {
        let opt = Optimizer(options: OptimizerOptions(kind: .sgd, momentum: 0.9, weightDecay: 0.1), count: 3, decayRanges: [0..<3])
        var p: [Float] = [1, 2, 3]
        let g: [Float] = [0.5, -0.5, 0.25]
        step(opt, &p, g, lr: 0.1)
        #expect(g == [0.5, -0.5, 0.25])
    }

    @Test func weightDecayAppliesOnlyInsideDecayRanges() {
        // Weights at 0..<2 and 4..<5 decay; "biases" at 2..<4 and 5 do not.
        let opt = Optimizer(options: OptimizerOptions(kind: .sgd, weightDecay: 0.5), count: 6,
                            decayRanges: [0..<2, 4..<5])
        var p: [Float] = [1, -2, 3, 4, 5, 6]
        let g: [Float] = [0, 0, 0, 0, 0, 0]
        step(opt, &p, g, lr: 0.1)
        // p -= lr * wd * p = 0.05 * p inside the ranges.
        expectClose(p, [0.95, -1.9, 3, 4, 4.75, 6], allowedError: 1e-6)
        #expect(p[2] == 3 && p[3] == 4 && p[5] == 6, "biases must be exactly untouched")
    }

    @Test func weightDecayAddsToTheGradient() {
        let opt = Optimizer(options: OptimizerOptions(kind: .sgd, weightDecay: 0.1), count: 1, decayRanges: [0..<1])
        var p: [Float] = [2]
        step(opt, &p, [1], lr: 0.5)
        // p -= 0.5 * (1 + 0.1 * 2) = 0.6
        expectClose(Double(p[0]), 1.4, allowedError: 1e-6)
    }

    @Test func momentumThreeStepsByHand() {
        let opt = Optimizer(options: OptimizerOptions(kind: .sgd, momentum: 0.9), count: 2, decayRanges: [])
        var p: [Float] = [1, -1]
        // Gradients per step; the second parameter sees the negated gradients.
        let gs: [Float] = [1, 0.5, -1]
        // v1 = 1, p1 = 0.9; v2 = 0.9 + 0.5 = 1.4, p2 = 0.76; v3 = 1.26 - 1 = 0.26, p3 = 0.734.
        let expectedP: [Double] = [0.9, 0.76, 0.734]
        let expectedV: [Double] = [1, 1.4, 0.26]
        for k in 0..<3 {
            step(opt, &p, [gs[k], -gs[k]], lr: 0.1)
            expectClose(Double(p[0]), expectedP[k], allowedError: 1e-6, "step \(k + 1)")
            expectClose(Double(p[1]), -expectedP[k], allowedError: 1e-6, "step \(k + 1)")
            expectClose(Double(opt.moment1.base[0]), expectedV[k], allowedError: 1e-6, "velocity at step \(k + 1)")
        }
    }

    @Test func nesterovThreeStepsByHand() {
        let opt = Optimizer(options: OptimizerOptions(kind: .sgd, momentum: 0.9, nesterov: true), count: 1, decayRanges: [])
        var p: [Float] = [1]
        let gs: [Float] = [1, 0.5, -1]
        // v = mu v + g; p -= lr (g + mu v):
        // v1 = 1,    p1 = 1 - 0.1 * (1 + 0.9)        = 0.81
        // v2 = 1.4,  p2 = 0.81 - 0.1 * (0.5 + 1.26)  = 0.634
        // v3 = 0.26, p3 = 0.634 - 0.1 * (-1 + 0.234) = 0.7106
        let expected: [Double] = [0.81, 0.634, 0.7106]
        for k in 0..<3 {
            step(opt, &p, [gs[k]], lr: 0.1)
            expectClose(Double(p[0]), expected[k], allowedError: 1e-6, "step \(k + 1)")
        }
    }

    @Test func momentumWithWeightDecayMatchesReference() {
        let mu = 0.8, wd = 0.05, lr = 0.2
        let opt = Optimizer(options: OptimizerOptions(kind: .sgd, momentum: mu, weightDecay: wd), count: 3,
                            decayRanges: [0..<2])
        var p: [Float] = [1, -0.5, 2]
        var ref = doubles(p), v = [Double](repeating: 0, count: 3)
        let grads: [[Float]] = [[0.3, -0.1, 0.2], [0.1, 0.4, -0.2], [-0.2, 0.05, 0.3]]
        for g in grads {
            step(opt, &p, g, lr: lr)
            for i in 0..<3 {
                let gi = Double(g[i]) + (i < 2 ? wd * ref[i] : 0)
                v[i] = mu * v[i] + gi
                ref[i] -= lr * v[i]
            }
        }
        #expect(maxRelativeError(p, ref) < 1e-6, "\(p) vs \(ref)")
    }
}
