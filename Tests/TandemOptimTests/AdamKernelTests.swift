import CKernels
import Foundation
import Testing
@testable import TandemOptim

/// The vectorized Adam kernel (CKernels, each instruction set this CPU has) against the Swift
/// reference, bit for bit: the default optimizer's params_sha256 depends on it.
@Suite(.serialized) struct AdamKernelTests {
    /// Runs `steps` updates through `kernel` from a fixed start; returns p, m, v.
    static func run(count: Int, steps: Int,
                    kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>,
                             UnsafeMutablePointer<Float>, Int, Float, Float, Float) -> Void) -> [Float] {
        var state = [Float](repeating: 0, count: 3 * count)
        var g = [Float](repeating: 0, count: count)
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Float {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 250_000
        }
        for i in 0..<count { state[i] = next() }
        for t in 1...steps {
            for i in 0..<count { g[i] = next() * (i % 7 == 0 ? 1e-4 : 1) }
            let c1 = Float(1 / (1 - Foundation.pow(0.9, Double(t)))), c2 = Float(1 / (1 - Foundation.pow(0.999, Double(t))))
            state.withUnsafeMutableBufferPointer { s in
                guard let b = s.baseAddress else { return }
                kernel(b, g, b + count, b + 2 * count, count, c1, c2, 0.003)
            }
        }
        return state
    }

    @Test(arguments: [(Float(0), Float(0)), (Float(0.01), Float(0)), (Float(0), Float(0.003 * 0.01))])
    func everyInstructionSetMatchesTheReferenceBitwise(l2: Float, decay: Float) {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        for count in [0, 1, 15, 16, 17, 31, 33, 100, 4810] {
            let expected = Self.run(count: count, steps: 3) { p, g, m, v, n, c1, c2, lr in
                AdamKernel.reference(p: p, g: g, m: m, v: v, count: n, lr: lr, beta1: 0.9, beta2: 0.999,
                                     oneMinusBeta1: Float(1 - 0.9), oneMinusBeta2: Float(1 - 0.999), epsilon: 1e-8,
                                     correction1: c1, correction2: c2, l2: l2, decoupledDecay: decay)
            }
            for level in 0...best {
                #expect(tandem_kernel_level_cap(Int32(level)) == Int32(level))
                let got = Self.run(count: count, steps: 3) { p, g, m, v, n, c1, c2, lr in
                    AdamKernel.update(p: p, g: g, m: m, v: v, count: n, lr: lr, beta1: 0.9, beta2: 0.999,
                                      oneMinusBeta1: Float(1 - 0.9), oneMinusBeta2: Float(1 - 0.999), epsilon: 1e-8,
                                      correction1: c1, correction2: c2, l2: l2, decoupledDecay: decay)
                }
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "level \(level), \(count) elements")
            }
        }
    }
}
