import Testing
import TestSupport
@testable import TandemArtifact
import TandemData

/// PSI and KS against hand-computed values, and the fast KS against a brute-force one.
@Suite struct DriftStatisticsTests {
    /// Exact two-sample KS by brute force: the largest |F - G| over every value of either sample.
    static func bruteForceKS(_ a: [Double], _ b: [Double]) -> Double {
        var d = 0.0
        for x in a + b {
            let f = Double(a.filter { $0 <= x }.count) / Double(a.count)
            let g = Double(b.filter { $0 <= x }.count) / Double(b.count)
            d = max(d, abs(f - g))
        }
        return d
    }

    /// The reference CDF points of `values` as a histogram stores them.
    static func points(_ values: [Double]) -> [(x: Double, f: Double)] {
        let h = FeatureHistogram.numeric(name: "x", values: values)
        return Array(zip(h.cdfValues, h.cdfFractions).map { (x: $0, f: $1) })
    }

    @Test func psiMatchesHandComputedValues() {
        // (0.9 - 0.5) ln(0.9 / 0.5) + (0.1 - 0.5) ln(0.1 / 0.5) = 0.235115 + 0.643775
        expectClose(DriftStatistics.psi(expected: [50, 50], actual: [90, 10]), 0.878890, allowedError: 1e-6)
        // An empty expected bin counts as 1e-4: (0.99 - 1) ln 0.99 + (0.01 - 1e-4) ln(0.01 / 1e-4)
        expectClose(DriftStatistics.psi(expected: [100, 0], actual: [99, 1]), 0.000100503 + 0.0099 * 4.605170, allowedError: 1e-6)
        #expect(DriftStatistics.psi(expected: [3, 5, 2], actual: [30, 50, 20]) == 0)
        #expect(DriftStatistics.psi(expected: [0, 0], actual: [1, 2]) == 0, "no reference rows: nothing to compare")
    }

    @Test func ksMatchesHandComputedValues() {
        // F: 1->.2 2->.4 3->.6 4->.8 5->1; G: 3->.2 4->.4 5->.6 6->.8 7->1; largest gap 0.4 (at 2, 3, 4, 5).
        expectClose(DriftStatistics.ks(reference: Self.points([1, 2, 3, 4, 5]), sortedSample: [3, 4, 5, 6, 7]), 0.4, allowedError: 1e-12)
        // Ties: F(1) = 0.75, G(1) = 0.25.
        expectClose(DriftStatistics.ks(reference: Self.points([1, 1, 1, 2]), sortedSample: [1, 2, 2, 2]), 0.5, allowedError: 1e-12)
        // Disjoint samples: 1; identical: 0; a sample entirely below the reference: 1.
        #expect(DriftStatistics.ks(reference: Self.points([1, 2]), sortedSample: [3, 4]) == 1)
        #expect(DriftStatistics.ks(reference: Self.points([1, 2, 2, 9]), sortedSample: [1, 2, 2, 9]) == 0)
        #expect(DriftStatistics.ks(reference: Self.points([5, 6]), sortedSample: [-.infinity, 0]) == 1)
    }

    @Test func ksIsExactForFewDistinctValuesAndWithinOnePercentOtherwise() {
        var rng = (UInt64(12345))
        func next() -> Double { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return Double(rng >> 11) * 0x1p-53 }
        // 40 distinct values (<= 101): every one is a CDF point, so KS is exact.
        let few = (0..<500).map { _ in Double(Int(next() * 40)) }
        let fewNew = (0..<300).map { _ in Double(Int(next() * 40 + 5)) }
        expectClose(DriftStatistics.ks(reference: Self.points(few), sortedSample: fewNew.sorted()), Self.bruteForceKS(few, fewNew), allowedError: 1e-12)
        // Continuous values: percentile points, within 0.01 of the exact statistic.
        let many = (0..<1500).map { _ in next() }
        let shifted = (0..<400).map { _ in next() * 1.3 + 0.1 }
        let exact = Self.bruteForceKS(many, shifted)
        let approx = DriftStatistics.ks(reference: Self.points(many), sortedSample: shifted.sorted())
        #expect(abs(approx - exact) <= 0.01, "approx \(approx) vs exact \(exact)")
        #expect(exact > 0.05)
    }
}
