import Foundation
import Testing
import TandemOptim

/// `Optimizer` runs adjacent parameter ranges that take the same update as one kernel call; each
/// element must get the bits it gets when every range (weights, biases) is updated on its own, as
/// `AdamKernel.reference` computes them range by range.
@Suite struct OptimizerSegmentTests {
    /// Ranges as a model's arena lays them out: the small model's (64-64-10), and ranges that end
    /// off a 16-lane block, where the kernel's scalar tail takes over.
    static let layouts: [[Int]] = [[4096, 64, 640, 10], [100, 7, 33, 1, 48], [16, 5, 32, 48, 3], [17], [32, 32]]

    @Test(arguments: [OptimizerKind.adam, .adamw], [0.0, 0.01])
    func mergedRangesGiveEachRangesOwnBits(kind: OptimizerKind, weightDecay: Double) {
        for sizes in Self.layouts {
            let count = sizes.reduce(0, +)
            var bounds = [0]
            for s in sizes { bounds.append(bounds[bounds.count - 1] + s) }
            let ranges = (0..<sizes.count).map { bounds[$0]..<bounds[$0 + 1] }
            let decayRanges = ranges.enumerated().filter { $0.offset % 2 == 0 }.map { $0.element }
            let options = OptimizerOptions(kind: kind, weightDecay: weightDecay)
            let opt = Optimizer(options: options, count: count, decayRanges: decayRanges)
            var rng = SystemRandomNumberGenerator()
            var p = (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
            var q = p
            var m = [Float](repeating: 0, count: count), v = m
            for t in 1...40 {
                // Some gradients exactly zero (dead units: moments decay towards the subnormal range), some tiny.
                let g: [Float] = (0..<count).map { i in
                    i % 7 == 3 ? 0 : i % 11 == 5 ? Float.random(in: -1e-30...1e-30, using: &rng) : Float.random(in: -2...2, using: &rng)
                }
                let lr = 0.01
                p.withUnsafeMutableBufferPointer { pp in
                    g.withUnsafeBufferPointer { gp in opt.step(params: pp.baseAddress!, grads: gp.baseAddress!, lr: lr) }
                }
                let c1 = Float(1 / (1 - pow(0.9, Double(t)))), c2 = Float(1 / (1 - pow(0.999, Double(t))))
                for (k, r) in ranges.enumerated() {
                    let wd = k % 2 == 0 ? Float(weightDecay) : 0
                    q.withUnsafeMutableBufferPointer { qp in
                        g.withUnsafeBufferPointer { gp in
                            m.withUnsafeMutableBufferPointer { mp in
                                v.withUnsafeMutableBufferPointer { vp in
                                    let o = r.lowerBound
                                    AdamKernel.reference(p: qp.baseAddress! + o, g: gp.baseAddress! + o, m: mp.baseAddress! + o,
                                                         v: vp.baseAddress! + o, count: r.count, lr: Float(lr), beta1: 0.9, beta2: 0.999,
                                                         oneMinusBeta1: Float(1 - 0.9), oneMinusBeta2: Float(1 - 0.999),
                                                         epsilon: Float(1e-8), correction1: c1, correction2: c2,
                                                         l2: kind == .adamw ? 0 : wd, decoupledDecay: kind == .adamw ? Float(lr) * wd : 0)
                                }
                            }
                        }
                    }
                }
            }
            #expect(p.map(\.bitPattern) == q.map(\.bitPattern), "ranges \(sizes), \(kind), weight decay \(weightDecay)")
            #expect(opt.moment1.array.map(\.bitPattern) == m.map(\.bitPattern), "first moments, ranges \(sizes)")
            #expect(opt.moment2.array.map(\.bitPattern) == v.map(\.bitPattern), "second moments, ranges \(sizes)")
        }
    }
}
