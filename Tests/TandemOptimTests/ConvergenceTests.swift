import Testing
import TandemOptim

/// Every optimizer minimizes f(p) = sum_i (p_i - c_i)^2 from p = 0.
@Suite struct ConvergenceTests {
    static let target: [Float] = [1.5, -2, 0.25, 3, -0.75]

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let options: OptimizerOptions
        let lr: Double
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "sgd", options: OptimizerOptions(kind: .sgd), lr: 0.1),
        Case(name: "sgd+momentum", options: OptimizerOptions(kind: .sgd, momentum: 0.9), lr: 0.02),
        Case(name: "nesterov", options: OptimizerOptions(kind: .sgd, momentum: 0.9, nesterov: true), lr: 0.02),
        Case(name: "adam", options: OptimizerOptions(kind: .adam), lr: 0.05),
        // Decay outside decayRanges (none here), so the minimizer is still the target.
        Case(name: "adamw", options: OptimizerOptions(kind: .adamw, weightDecay: 0.01), lr: 0.05),
    ]

    @Test(arguments: cases)
    func minimizesQuadratic(_ testCase: Case) {
        let (name, options, lr) = (testCase.name, testCase.options, testCase.lr)
        let c = Self.target
        let opt = Optimizer(options: options, count: c.count, decayRanges: [])
        var p = [Float](repeating: 0, count: c.count)
        let steps = 400
        for k in 0..<steps {
            let g = zip(p, c).map { 2 * ($0 - $1) }
            // Cosine decay of the rate lets Adam settle instead of hovering at about lr.
            let rate = LRSchedule(kind: .cosine, baseLR: lr, totalSteps: steps).lr(at: k)
            step(opt, &p, g, lr: rate)
        }
        let err = zip(p, c).map { abs($0 - $1) }.max() ?? .infinity
        #expect(err < 1e-3, "\(name): max |p - c| = \(err), p = \(p)")
    }
}
