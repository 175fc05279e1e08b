import CKernels
import Foundation
import TandemTensor
import Testing
@testable import TandemOptim

/// The Adam update that also sums the gradient's squares (`tandem_adam_sumsq`): the update's bits
/// are `AdamKernel.update`'s and the sum's are `Elementwise.sumOfSquares`'s, at every instruction
/// set (in the serialized suite, since the tests cap the kernel level).
extension AdamKernelTests {
    static func gradient(_ count: Int, seed: UInt64, scale: Float) -> [Float] {
        var s = seed
        return (0..<count).map { i in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let x = Float(Int64(bitPattern: s >> 11) % 2_000_001 - 1_000_000) / 1_000_000 * scale
            return i % 9 == 4 ? 0 : i % 13 == 6 ? x * 0x1p-133 : x
        }
    }

    @Test func sumOfSquaresRidesInTheUpdateBitwise() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        // Block edges of the 16-lane update, the 8-lane sum and its 4096-element flushes; 1e19
        // overflows the float lanes (the sum is then redone in double).
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 24, 100, 1024, 4095, 4096, 4097, 4104, 4111, 4810, 8192, 8200, 12_300] {
            for scale: Float in [1, 1e19] {
                let g = Self.gradient(count, seed: UInt64(count) + 7, scale: scale)
                let expectedSum = g.withUnsafeBufferPointer { Elementwise.sumOfSquares($0.baseAddress!, count: count) }
                let start = Self.gradient(3 * count, seed: 99, scale: 1).map { abs($0) }
                for level in 0...best {
                    _ = tandem_kernel_level_cap(Int32(level))
                    var a = start, b = start
                    var sum = 0.0
                    a.withUnsafeMutableBufferPointer { s in
                        let p = s.baseAddress!
                        AdamKernel.update(p: p, g: g, m: p + count, v: p + 2 * count, count: count, lr: 0.003, beta1: 0.9,
                                          beta2: 0.999, oneMinusBeta1: Float(1 - 0.9), oneMinusBeta2: Float(1 - 0.999),
                                          epsilon: 1e-8, correction1: 3, correction2: 300, l2: 0, decoupledDecay: 0)
                    }
                    b.withUnsafeMutableBufferPointer { s in
                        let p = s.baseAddress!
                        sum = AdamKernel.updateSummingSquares(p: p, g: g, m: p + count, v: p + 2 * count, count: count, lr: 0.003,
                                                              beta1: 0.9, beta2: 0.999, oneMinusBeta1: Float(1 - 0.9),
                                                              oneMinusBeta2: Float(1 - 0.999), epsilon: 1e-8, correction1: 3,
                                                              correction2: 300, l2: 0, decoupledDecay: 0)
                    }
                    #expect(sum.bitPattern == expectedSum.bitPattern, "level \(level), \(count) elements, scale \(scale): \(sum) vs \(expectedSum)")
                    #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "level \(level), \(count) elements")
                }
            }
        }
    }

    @Test func nonFiniteGradientUpdatesNothing() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        for level in 0...best {
            _ = tandem_kernel_level_cap(Int32(level))
            for bad: Float in [.nan, .infinity, -.infinity] {
                for position in [0, 17, 4809] {
                    var g = Self.gradient(4810, seed: 3, scale: 1)
                    g[position] = bad
                    var state = Self.gradient(3 * 4810, seed: 5, scale: 1).map { abs($0) }
                    let before = state
                    let sum = state.withUnsafeMutableBufferPointer { s in
                        let p = s.baseAddress!
                        return AdamKernel.updateSummingSquares(p: p, g: g, m: p + 4810, v: p + 2 * 4810, count: 4810, lr: 0.003,
                                                               beta1: 0.9, beta2: 0.999, oneMinusBeta1: Float(1 - 0.9),
                                                               oneMinusBeta2: Float(1 - 0.999), epsilon: 1e-8, correction1: 3,
                                                               correction2: 300, l2: 0, decoupledDecay: 0)
                    }
                    #expect(sum.isNaN, "level \(level), \(bad) at \(position)")
                    #expect(state.map(\.bitPattern) == before.map(\.bitPattern), "level \(level), \(bad) at \(position): updated")
                }
            }
        }
    }

    @Test func optimizerStepSummingSquaresEqualsStepAndSum() {
        let sizes = [4096, 64, 640, 10]  // the small model's weights and biases: one run without weight decay
        let count = sizes.reduce(0, +)
        let decay = [0..<4096, 4160..<4800]
        let fused = Optimizer(options: OptimizerOptions(kind: .adam), count: count, decayRanges: decay)
        let plain = Optimizer(options: OptimizerOptions(kind: .adam), count: count, decayRanges: decay)
        #expect(fused.sumsSquaresInStep)
        #expect(!Optimizer(options: OptimizerOptions(kind: .adam, weightDecay: 0.01), count: count, decayRanges: decay).sumsSquaresInStep)
        #expect(!Optimizer(options: OptimizerOptions(kind: .sgd), count: count, decayRanges: []).sumsSquaresInStep)
        var p = Self.gradient(count, seed: 11, scale: 1), q = p
        for t in 0..<5 {
            var g = Self.gradient(count, seed: UInt64(t), scale: 1)
            let expected = g.withUnsafeBufferPointer { Elementwise.sumOfSquares($0.baseAddress!, count: count) }
            let got = p.withUnsafeMutableBufferPointer { fused.stepSummingSquares(params: $0.baseAddress!, grads: g, lr: 0.001) }
            q.withUnsafeMutableBufferPointer { plain.step(params: $0.baseAddress!, grads: g, lr: 0.001) }
            #expect(got?.bitPattern == expected.bitPattern)
            #expect(p.map(\.bitPattern) == q.map(\.bitPattern) && fused.stepCount == plain.stepCount)
            g[5] = .nan
            let kept = p
            #expect(p.withUnsafeMutableBufferPointer { fused.stepSummingSquares(params: $0.baseAddress!, grads: g, lr: 0.001) } == nil)
            #expect(p.map(\.bitPattern) == kept.map(\.bitPattern) && fused.stepCount == plain.stepCount, "a non-finite gradient changed nothing")
        }
    }
}
