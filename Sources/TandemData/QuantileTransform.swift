import Foundation

/// The quantile transform of one numeric feature to a standard normal distribution, as
/// scikit-learn's `QuantileTransformer(output_distribution="normal")` computes it.
///
/// Fitted on the training values: `K = min(1000, n)` quantiles (at least 2) at the evenly spaced
/// probabilities `references[k] = k / (K - 1)`, by linear interpolation between order statistics
/// (numpy's default percentile), made non-decreasing. Applied to `x`:
/// 1. `p = (interpolate up + interpolate down) / 2` over the grid (the mean of the forward and the
///    backward linear interpolation, so a value tied across several quantiles maps to the middle
///    of their references);
/// 2. `x - 1e-7 < quantiles[0]` gives `p = 0`, else `x + 1e-7 > quantiles[K-1]` gives `p = 1`;
/// 3. `z = Φ⁻¹(p)` clipped to `±Φ⁻¹(1 - (1e-7 - 2^-52))` (about ±5.199).
///
/// Unlike scikit-learn (which subsamples 10,000 rows by default), the quantiles are those of
/// every training row. Values and quantiles are rounded to float32 first (the model's input
/// type, and what the ONNX graph receives), so a value tied with training values stays tied in
/// `model.onnx` too; on float32 data this is scikit-learn's transform exactly.
public enum QuantileTransform {
    /// The most quantiles kept per feature.
    public static let maxQuantiles = 1000
    /// scikit-learn's `BOUNDS_THRESHOLD`: values this close to the ends map to the ends.
    public static let boundsThreshold = 1e-7
    /// The output range: `±clip`, `Φ⁻¹(1 - (1e-7 - 2^-52))`.
    public static let clip = -inverseNormalCDF(boundsThreshold - Double.ulpOfOne)

    /// The quantile grid of `values` (all finite, not empty): `[K]`, non-decreasing.
    public static func fit(_ values: [Double]) -> [Double] {
        let sorted = values.map(float32).sorted()
        let n = sorted.count
        guard n > 0 else { return [0, 0] }
        let k = max(2, min(maxQuantiles, n))
        let refs = references(k)
        var grid = [Double](repeating: 0, count: k)
        for j in 0..<k {
            // numpy: q = (ref * 100) / 100, virtual index q * (n - 1), linear interpolation.
            let q = (refs[j] * 100) / 100
            let h = q * Double(n - 1)
            let lo = min(max(Int(h.rounded(.down)), 0), n - 1)
            let hi = min(lo + 1, n - 1)
            let t = h - Double(lo)
            let a = sorted[lo], b = sorted[hi]
            grid[j] = t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
        }
        for j in 0..<k { grid[j] = float32(grid[j]) }
        for j in 1..<k where grid[j] < grid[j - 1] { grid[j] = grid[j - 1] }
        return grid
    }

    /// `x` rounded to float32 (±infinity beyond its range).
    @inlinable
    public static func float32(_ x: Double) -> Double { Double(Float(x)) }

    /// The reference probabilities of a grid of `count` quantiles: `[count]`, `k / (count - 1)`.
    public static func references(_ count: Int) -> [Double] {
        (0..<count).map { count > 1 ? Double($0) / Double(count - 1) : 0 }
    }

    /// The transformed value of `x` (not NaN) for the grid `quantiles` (`[K]`, K >= 2).
    public static func apply(_ x: Double, quantiles q: [Double]) -> Double {
        q.withUnsafeBufferPointer { apply(x, quantiles: $0) }
    }

    /// `apply(_:quantiles:)` on a buffer (the batch encoder's hot loop).
    @inlinable
    public static func apply(_ value: Double, quantiles q: UnsafeBufferPointer<Double>) -> Double {
        let k = q.count
        let x = float32(value)
        let p: Double
        if x - boundsThreshold < q[0] {
            p = 0
        } else if x + boundsThreshold > q[k - 1] {
            p = 1
        } else {
            // Here q[0] < x < q[k-1]: `below` = #{q < x} >= 1 and `atOrBelow` = #{q <= x} <= k - 1.
            let below = partition(q, x, strict: true), atOrBelow = partition(q, x, strict: false)
            let step = 1 / Double(k - 1)
            // Forward interpolation on segment atOrBelow-1 (q[s] <= x < q[s+1]), backward on below-1 (q[s] < x <= q[s+1]).
            let s = atOrBelow - 1, t = below - 1
            let up = (step / (q[s + 1] - q[s])) * (x - q[s]) + Double(s) * step
            let down = Double(t + 1) * step - (step / (q[t + 1] - q[t])) * (q[t + 1] - x)
            p = 0.5 * (up + down)
        }
        return min(max(inverseNormalCDF(p), -clip), clip)
    }

    /// The number of grid values `< x` (`strict`) or `<= x`, by binary search.
    @usableFromInline
    static func partition(_ q: UnsafeBufferPointer<Double>, _ x: Double, strict: Bool) -> Int {
        var lo = 0, hi = q.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if strict ? q[mid] < x : q[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Φ⁻¹(p), the standard normal quantile, to about 1e-15: Acklam's rational approximation
    /// refined by one Halley step on `erfc`. `-inf` at 0, `+inf` at 1, NaN outside [0, 1].
    @inlinable
    public static func inverseNormalCDF(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        var x = AcklamCoefficients.approximate(p)
        // Halley: e = Φ(x) - p, u = e * sqrt(2π) * exp(x²/2), x -= u / (1 + x u / 2).
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

/// Acklam's rational approximation of Φ⁻¹ (relative error below 1.2e-9), the starting point of
/// `QuantileTransform.inverseNormalCDF`. (The ONNX export uses AS 241 PPND7 instead, whose
/// positive coefficients do not cancel in float32.)
public enum AcklamCoefficients {
    public static let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                           1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    public static let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                           6.680131188771972e+01, -1.328068155288572e+01]
    public static let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                           -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    public static let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                           3.754408661907416e+00]
    /// Below this (and above 1 - it) the tail formula applies.
    public static let tail = 0.02425

    /// The approximation at `p` in (0, 1).
    @inlinable
    public static func approximate(_ p: Double) -> Double {
        func poly(_ k: [Double], _ x: Double) -> Double { k.dropFirst().reduce(k[0]) { $0 * x + $1 } }
        if p < tail {
            let q = (-2 * log(p)).squareRoot()
            return poly(c, q) / (poly(d, q) * q + 1)
        }
        if p > 1 - tail {
            let q = (-2 * log1p(-p)).squareRoot()
            return -poly(c, q) / (poly(d, q) * q + 1)
        }
        let q = p - 0.5, r = q * q
        return poly(a, r) * q / (poly(b, r) * r + 1)
    }
}
