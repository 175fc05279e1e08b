import Testing
@testable import TandemData

/// `DistinctDoubles` counts what `Set<Double>` counts: 0.0 and -0.0 as one value, x and -x, x and
/// 2x, infinities and subnormals as distinct values, through several table growths.
@Suite struct DistinctDoublesTests {
    @Test func countsLikeASet() {
        var rng = SplitMix(seed: 9)
        for size in [0, 1, 10, 600, 5_000, 100_000] {
            var values: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1, 2, 0.5]
            for _ in 0..<size {
                let x = (Double(rng.next() % 20_001) - 10_000) / 1_000   // many repeats, x and -x
                values.append(rng.next() % 3 == 0 ? x * 2 : x)
                if rng.next() % 7 == 0 { values.append(Double(bitPattern: rng.next() & ~(0x7FF << 52))) }  // subnormals
            }
            var distinct = DistinctDoubles()
            for v in values { distinct.insert(v) }
            #expect(distinct.count == Set(values).count, "size \(size)")
        }
    }
}
