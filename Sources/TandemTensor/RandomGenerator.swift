import Foundation

/// A seeded, splittable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Every number it produces is defined by integer arithmetic alone (and `log`/`cos` for normals),
/// so the same seed gives the same sequence on every platform and Swift version; Tandem never
/// uses the standard library's unspecified shuffle or random algorithms for anything that must
/// reproduce.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// A generator whose whole stream is determined by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        s0 = RandomGenerator.splitMix(&sm)
        s1 = RandomGenerator.splitMix(&sm)
        s2 = RandomGenerator.splitMix(&sm)
        s3 = RandomGenerator.splitMix(&sm)
    }

    /// An independent child stream named by `key`; does not advance `self`.
    /// `RandomGenerator(seed: s).split(k)` is the same for the same `s` and `k` everywhere.
    public func split(_ key: UInt64) -> RandomGenerator {
        RandomGenerator(seed: RandomGenerator.mix(s0 ^ (s1 &* 0x9E37_79B9_7F4A_7C15), key))
    }

    /// One step of SplitMix64.
    @inlinable public static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A well-mixed 64-bit hash of `a` and `b`, for counter-based streams (e.g. dropout masks
    /// keyed by step and global row, so masks do not depend on the number of ranks).
    @inlinable public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var s = a ^ (b &* 0xD6E8_FEB8_6659_FD93)
        _ = splitMix(&s)
        return splitMix(&s)
    }

    @inlinable public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inlinable public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform integer in `0..<bound` without modulo bias (Lemire's method); `bound > 0`.
    @inlinable public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Standard normal sample (Box-Muller on two uniforms).
    public mutating func nextNormal() -> Double {
        let u1 = max(nextDouble(), 0x1p-60)
        let u2 = nextDouble()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Fisher-Yates shuffle of `array` in place (deterministic for a given generator state).
    /// The shuffle fixes positions from the last one down; with `finalFrom`, it stops once
    /// positions `finalFrom...` are final: they hold what the whole shuffle puts there, from the
    /// same draws, and the positions before them are only partly shuffled.
    public mutating func shuffle<T>(_ array: inout [T], finalFrom first: Int = 0) {
        if array.count < 2 { return }
        array.withUnsafeMutableBufferPointer { p in
            for i in stride(from: p.count - 1, to: max(first - 1, 0), by: -1) {
                let j = nextInt(below: i + 1)
                if i != j { p.swapAt(i, j) }
            }
        }
    }

    /// A random permutation of `0..<n`; with `finalFrom`, only positions `finalFrom...` are
    /// the whole permutation's (see `shuffle`).
    public mutating func permutation(_ n: Int, finalFrom first: Int = 0) -> [Int] {
        var p = [Int](hugeUninitializedCapacity: n) { out, count in
            for i in 0..<n { out.initializeElement(at: i, to: i) }
            count = n
        }
        shuffle(&p, finalFrom: first)
        return p
    }
}
