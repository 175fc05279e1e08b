import Foundation

/// The two drift statistics, as plain functions anyone can check by hand.
public enum DriftStatistics {
    /// The proportion an empty bin counts as in `psi`, so that its logarithm is finite.
    public static let epsilon = 1e-4

    /// Population stability index between two histograms over the same bins:
    /// `sum_i (a_i - e_i) * ln(a_i / e_i)`, where `e_i` and `a_i` are the proportions of
    /// `expected[i]` and `actual[i]` in their totals, each raised to at least `epsilon` (1e-4),
    /// so a bin that is empty on one side contributes a large but finite term.
    /// 0 for identical proportions; `expected` and `actual` must have the same length.
    /// Returns 0 when either side has no rows at all (no distribution to compare).
    public static func psi(expected: [Int], actual: [Int]) -> Double {
        precondition(expected.count == actual.count, "psi: \(expected.count) expected bins vs \(actual.count) actual bins")
        let te = Double(expected.reduce(0, +)), ta = Double(actual.reduce(0, +))
        guard te > 0, ta > 0 else { return 0 }
        var sum = 0.0
        for (e, a) in zip(expected, actual) {
            let pe = max(Double(e) / te, epsilon), pa = max(Double(a) / ta, epsilon)
            sum += (pa - pe) * log(pa / pe)
        }
        return sum
    }

    /// Two-sample Kolmogorov-Smirnov statistic `sup_x |F(x) - G(x)|` between a reference
    /// cumulative distribution given as points and a new sample.
    ///
    /// `reference` holds ascending distinct values `x_i` with `F(x_i)` (the fraction of reference
    /// values <= `x_i`; the last is 1); `F` is taken as the step function through these points
    /// (0 below the first). `sample` is the new non-missing values, sorted ascending; `G` is its
    /// empirical CDF. Both are right-continuous steps, so the supremum is reached at one of
    /// their jump points, and every jump point is checked. Exact when `reference` lists every
    /// distinct reference value; otherwise off by at most the largest gap between consecutive
    /// `F(x_i)`.
    public static func ks(reference: [(x: Double, f: Double)], sortedSample sample: [Double]) -> Double {
        guard !reference.isEmpty, !sample.isEmpty else { return 0 }
        let n = Double(sample.count)
        var d = 0.0
        var i = 0, j = 0  // next reference point, next sample value
        var f = 0.0, g = 0.0
        while i < reference.count || j < sample.count {
            // The next jump point of either step function.
            let x = min(i < reference.count ? reference[i].x : .infinity, j < sample.count ? sample[j] : .infinity)
            while i < reference.count && reference[i].x <= x { f = reference[i].f; i += 1 }
            while j < sample.count && sample[j] <= x { j += 1 }
            g = Double(j) / n
            d = max(d, abs(f - g))
            if x == .infinity { break }
        }
        return d
    }
}
