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

    /// Moments and gradients spread from the subnormal range to 2^10 (random bit patterns, some
    /// zero, at and around the kernels' 2^-120 threshold), so most blocks take the kernels' double
    /// path and the rest the float one: every level still gives the reference's bits, over steps
    /// in which the moments decay through the subnormal range.
    @Test(arguments: [(Float(0), Float(0)), (Float(0.01), Float(0.003 * 0.01))])
    func subnormalMomentsAndGradientsKeepTheReferenceBits(l2: Float, decay: Float) {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        var seed: UInt64 = 0x2545F4914F6CDD1D
        func next() -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return seed >> 16
        }
        /// A float of random sign (when `signed`) and exponent field 0...137 (subnormal to 2^10),
        /// or 0 (1 in 8), or within 2^-3 of 2^-120 (1 in 8).
        func value(signed: Bool) -> Float {
            let r = next()
            let sign: UInt32 = signed && r & 1 == 1 ? 0x8000_0000 : 0
            switch (r >> 1) % 8 {
            case 0: return 0
            case 1: return Float(bitPattern: sign | UInt32(0x0380_0000 - 0x0018_0000 + Int((r >> 8) % 0x0030_0000)))
            default: return Float(bitPattern: sign | UInt32((r >> 8) % 138) << 23 | UInt32((r >> 20) & 0x7F_FFFF))
            }
        }
        for count in [16, 100, 4810] {
            let p0 = (0..<count).map { _ in Float(Int(next() % 2_000_001) - 1_000_000) / 250_000 }
            let m0 = (0..<count).map { _ in value(signed: true) }, v0 = (0..<count).map { _ in value(signed: false) }
            let grads = (0..<4).map { _ in (0..<count).map { i in i % 3 == 0 ? 0 : value(signed: true) } }
            func run(_ kernel: (UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>,
                                UnsafeMutablePointer<Float>, Float, Float) -> Void) -> [UInt32] {
                var p = p0, m = m0, v = v0
                for (t, g) in grads.enumerated() {
                    let c1 = Float(1 / (1 - Foundation.pow(0.9, Double(t + 1))))
                    let c2 = Float(1 / (1 - Foundation.pow(0.999, Double(t + 1))))
                    kernel(&p, g, &m, &v, c1, c2)
                }
                return (p + m + v).map(\.bitPattern)
            }
            let expected = run { p, g, m, v, c1, c2 in
                AdamKernel.reference(p: p, g: g, m: m, v: v, count: count, lr: 0.003, beta1: 0.9, beta2: 0.999,
                                     oneMinusBeta1: Float(1 - 0.9), oneMinusBeta2: Float(1 - 0.999), epsilon: 1e-8,
                                     correction1: c1, correction2: c2, l2: l2, decoupledDecay: decay)
            }
            // Both ways a vector level can take the blocks with tiny moments (the double path and
            // the float formula; the CPU's measurement picks one): the same bits.
            for level in 0...best {
                #expect(tandem_kernel_level_cap(Int32(level)) == Int32(level))
                // (Not checked against the path in effect: suites of other targets cap the level
                // concurrently in one test process, which the bits never depend on.)
                for path: Int32 in [1, 0] {
                    _ = tandem_adam_subnormal_path_set(path)
                    let got = run { p, g, m, v, c1, c2 in
                        AdamKernel.update(p: p, g: g, m: m, v: v, count: count, lr: 0.003, beta1: 0.9, beta2: 0.999,
                                          oneMinusBeta1: Float(1 - 0.9), oneMinusBeta2: Float(1 - 0.999), epsilon: 1e-8,
                                          correction1: c1, correction2: c2, l2: l2, decoupledDecay: decay)
                    }
                    let differing = zip(got, expected).filter { $0 != $1 }.count
                    #expect(differing == 0, "level \(level), subnormal path \(path), \(count) elements: \(differing) values differ")
                }
                _ = tandem_adam_subnormal_path_set(-1)
            }
        }
    }
}

extension AdamKernelTests {
    /// The path setter: the plain level always takes the double path; a vector level takes the
    /// path set, and -1 measures again (0 or 1). Checked only when no other suite moved the level
    /// meanwhile (they share the process).
    @Test func subnormalPathIsSetPerLevel() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2); _ = tandem_adam_subnormal_path_set(-1) }
        for level in 0...best {
            _ = tandem_kernel_level_cap(level)
            for path: Int32 in [0, 1, -1] {
                let inEffect = tandem_adam_subnormal_path_set(path)
                guard tandem_kernel_level() == level else { continue }
                #expect(level == 0 ? inEffect == 1 : path < 0 ? (inEffect == 0 || inEffect == 1) : inEffect == path,
                        "level \(level): path \(inEffect) in effect, set \(path)")
            }
        }
    }
}
