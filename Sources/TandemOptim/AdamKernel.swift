import CKernels

/// The Adam / AdamW update over a contiguous range, 16 lanes at a time.
public enum AdamKernel {
    /// For each element: `g' = g + l2 p`; `m = b1 m + (1 - b1) g'`; `v = b2 v + (1 - b2) g'^2`;
    /// `p -= decoupledDecay * p + lr * (m c1) / (sqrt(v c2) + eps)`, where c1 and c2 are the
    /// bias corrections `1 / (1 - b^t)`. p, g, m, v: `[count]`.
    ///
    /// Runs `tandem_adam` (CKernels: AVX-512, AVX2 or plain C, chosen for the CPU at run time),
    /// which gives bitwise the result of `reference`; the tests compare the two.
    @inline(__always)
    public static func update(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                              v: UnsafeMutablePointer<Float>, count: Int, lr: Float, beta1: Float, beta2: Float,
                              oneMinusBeta1: Float, oneMinusBeta2: Float,
                              epsilon: Float, correction1: Float, correction2: Float, l2: Float, decoupledDecay: Float) {
        tandem_adam(p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, correction1, correction2,
                    l2, decoupledDecay)
    }

    /// `update`, returning the sum of squares of `g` (read before the update) with the bits of
    /// `Elementwise.sumOfSquares(g, count: count)` (`tandem_adam_sumsq`); NaN, with nothing
    /// updated, when an element of `g` is not finite.
    @inline(__always)
    public static func updateSummingSquares(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                                            v: UnsafeMutablePointer<Float>, count: Int, lr: Float, beta1: Float, beta2: Float,
                                            oneMinusBeta1: Float, oneMinusBeta2: Float, epsilon: Float, correction1: Float,
                                            correction2: Float, l2: Float, decoupledDecay: Float) -> Double {
        tandem_adam_sumsq(p, g, m, v, count, lr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, correction1, correction2,
                          l2, decoupledDecay)
    }

    /// How this CPU's kernel updates a block whose moments decayed below 2^-120: "double path"
    /// (each float operation through double, no subnormal operand) or "float formula" (as every
    /// other block), whichever `tandem_adam_subnormal_path` measured faster here; the same bits.
    public static var subnormalPath: String { tandem_adam_subnormal_path() == 1 ? "double path" : "float formula" }

    /// The Swift SIMD update that `update` must match bit for bit (same arguments): blocks of 16
    /// lanes, then a scalar tail. `oneMinusBeta1/2` are passed separately because `1 - beta2`
    /// rounded from Double is more accurate than `1 - Float(beta2)` (0.999 is not exact in Float).
    public static func reference(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                       v: UnsafeMutablePointer<Float>, count: Int, lr: Float, beta1: Float, beta2: Float,
                       oneMinusBeta1: Float, oneMinusBeta2: Float,
                       epsilon: Float, correction1: Float, correction2: Float, l2: Float, decoupledDecay: Float) {
        typealias V = SIMD16<Float>
        let pr = UnsafeMutableRawPointer(p), gr = UnsafeRawPointer(g)
        let mr = UnsafeMutableRawPointer(m), vr = UnsafeMutableRawPointer(v)
        var i = 0
        while i + 16 <= count {
            let o = i * 4
            let pi = pr.loadUnaligned(fromByteOffset: o, as: V.self)
            let gi = gr.loadUnaligned(fromByteOffset: o, as: V.self) + l2 * pi
            let mi = beta1 * mr.loadUnaligned(fromByteOffset: o, as: V.self) + oneMinusBeta1 * gi
            let vi = beta2 * vr.loadUnaligned(fromByteOffset: o, as: V.self) + oneMinusBeta2 * gi * gi
            mr.storeBytes(of: mi, toByteOffset: o, as: V.self)
            vr.storeBytes(of: vi, toByteOffset: o, as: V.self)
            let step = (mi * correction1) / ((vi * correction2).squareRoot() + epsilon)
            pr.storeBytes(of: pi - decoupledDecay * pi - lr * step, toByteOffset: o, as: V.self)
            i += 16
        }
        while i < count {
            let gi = g[i] + l2 * p[i]
            m[i] = beta1 * m[i] + oneMinusBeta1 * gi
            v[i] = beta2 * v[i] + oneMinusBeta2 * gi * gi
            p[i] -= decoupledDecay * p[i] + lr * (m[i] * correction1) / ((v[i] * correction2).squareRoot() + epsilon)
            i += 1
        }
    }
}
