import Foundation
import Testing
import TestSupport
import TandemData

/// True when `python3` can import scikit-learn (and numpy).
let sklearnAvailable: Bool = python3(["-c", "import sklearn.preprocessing, numpy"])?.status == 0

/// The quantile transform (`scale: quantile`): Φ⁻¹, the fitted grid, interpolation with ties,
/// the clipped ends, and (when scikit-learn is installed) scikit-learn's QuantileTransformer.
@Suite struct QuantileTransformTests {
    @Test func inverseNormalCDFMatchesKnownValues() {
        // Reference values: scipy.stats.norm.ppf.
        let cases: [(Double, Double)] = [(0.5, 0), (0.975, 1.959963984540054), (0.025, -1.959963984540054),
                                         (0.8413447460685429, 1), (1e-7, -5.199337582192817), (0.999, 3.090232306167813),
                                         (1e-300, -37.0470962993612), (0.02425, -1.972961051311885)]
        for (p, z) in cases { expectClose(QuantileTransform.inverseNormalCDF(p), z, allowedError: 1e-12 * max(1, abs(z)), "p \(p)") }
        #expect(QuantileTransform.inverseNormalCDF(0) == -.infinity && QuantileTransform.inverseNormalCDF(1) == .infinity)
        #expect(QuantileTransform.inverseNormalCDF(1.5).isNaN)
        expectClose(QuantileTransform.clip, 5.199337582605575, allowedError: 1e-12)
    }

    @Test func gridIsTheOrderStatisticsAndAtMostAThousand() {
        #expect(QuantileTransform.fit([3, 1, 2, 5, 4]) == [1, 2, 3, 4, 5])
        #expect(QuantileTransform.fit([7]) == [7, 7])
        let big = QuantileTransform.fit((0..<5000).map { Double($0) })
        #expect(big.count == 1000)
        #expect(big.first == 0 && big.last == 4999)
        // k / 999 of the way through 0...4999: linear interpolation between order statistics.
        expectClose(big[1], 4999.0 / 999, allowedError: 1e-6)  // rounded to float32
    }

    @Test func valuesMapThroughTheNormalQuantiles() {
        let q = QuantileTransform.fit([0, 1, 2, 3, 4])  // references 0, .25, .5, .75, 1
        expectClose(QuantileTransform.apply(2, quantiles: q), 0, allowedError: 1e-12)
        expectClose(QuantileTransform.apply(1, quantiles: q), QuantileTransform.inverseNormalCDF(0.25), allowedError: 1e-12)
        expectClose(QuantileTransform.apply(2.5, quantiles: q), QuantileTransform.inverseNormalCDF(0.625), allowedError: 1e-12)
        // The ends (and beyond) clip.
        for x in [-10.0, 0] { #expect(QuantileTransform.apply(x, quantiles: q) == -QuantileTransform.clip) }
        for x in [4.0, 100] { #expect(QuantileTransform.apply(x, quantiles: q) == QuantileTransform.clip) }
        // A value tied across quantiles maps to the middle of their references: 1 holds 0.25...0.75.
        let tied = QuantileTransform.fit([0, 1, 1, 1, 2])
        expectClose(QuantileTransform.apply(1, quantiles: tied), 0, allowedError: 1e-12)
        // Monotonic in between.
        let xs = stride(from: 0.0, through: 4.0, by: 0.01).map { QuantileTransform.apply($0, quantiles: q) }
        #expect(zip(xs, xs.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func preprocessorFitsOnTrainRowsAndStoresTheGrid() throws {
        let t = try makeTable("n\n1\n2\n3\nNA\n1000\n2\n")
        let p = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2, 3, 5], options: PreprocessOptions(scale: .quantile))
        // Mean imputation first (2), then the grid of 1, 2, 2, 2, 3; 2 is the median.
        #expect(p.features[0].quantiles == [1, 2, 2, 2, 3])
        #expect(p.features[0].offset == 0 && p.features[0].divisor == 1)
        let out = try p.transform(table: t, rows: [0, 3, 4]).values
        #expect(out == [Float(-QuantileTransform.clip), 0, Float(QuantileTransform.clip)])
        // Saved and read back with the model.
        let decoded = try JSONDecoder().decode(Preprocessor.self, from: JSONEncoder().encode(p))
        // Values round to float32 first: a double next to a tied training value is that value.
        #expect(try p.transform(row: ["n": 2.000000000001]) == [0])
        #expect(decoded == p)
        // Standard scaling stores no grid, so model.json of such a model is unchanged.
        let standard = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2], options: PreprocessOptions())
        #expect(!String(decoding: try JSONEncoder().encode(standard), as: UTF8.self).contains("quantiles"))
    }

    /// scikit-learn's QuantileTransformer(output_distribution="normal") on the same training
    /// values (skewed, with ties, fewer and more than 1000 rows) and probe values.
    @Test(.enabled(if: sklearnAvailable, "needs python3 with scikit-learn (scripts/test.sh installs it into .build/python)"),
          arguments: [300, 2500])
    func agreesWithScikitLearn(rows: Int) throws {
        var rng = SplitMix(seed: UInt64(rows))
        // float32 values (the transform rounds to float32 first, as the model's input).
        let train = (0..<rows).map { i in i % 10 == 0 ? 3.0 : Double(Float(exp(3 * rng.unit()) - 1)) }
        let probes = [-1.0, 0, 3, Double(Float(3).nextUp), Double(Float(19.085536923187668)), 25] + (0..<200).map { _ in Double(Float(22 * rng.unit() - 1)) }
        let script = """
        import sys, numpy as np
        from sklearn.preprocessing import QuantileTransformer
        train = np.array([float(v) for v in sys.argv[1].split(",")]).reshape(-1, 1)
        probes = np.array([float(v) for v in sys.argv[2].split(",")]).reshape(-1, 1)
        t = QuantileTransformer(n_quantiles=1000, output_distribution="normal", subsample=10**9).fit(train)
        print(",".join(repr(float(v)) for v in t.quantiles_[:, 0]))
        print(",".join(repr(float(v)) for v in t.transform(probes)[:, 0]))
        """
        let result = try #require(python3(["-c", script, train.map { "\($0)" }.joined(separator: ","), probes.map { "\($0)" }.joined(separator: ",")]))
        try #require(result.status == 0, "python failed: \(result.output)")
        let lines = result.output.split(separator: "\n").map { $0.split(separator: ",").compactMap { Double($0) } }
        let grid = QuantileTransform.fit(train)
        #expect(grid.count == lines[0].count)
        // Up to 1000 rows the grid is the (float32) training values themselves and the two agree to
        // double rounding; beyond, interpolated quantiles are rounded to float32 here, which moves
        // the output by a few float32 ulps at most.
        let exact = rows <= QuantileTransform.maxQuantiles
        for (a, b) in zip(grid, lines[0]) { expectClose(a, b, allowedError: (exact ? 1e-12 : 1.2e-7) * max(1, abs(b))) }
        // At a value tied with training values (3), scikit-learn's grid carries 1e-15 of rounding
        // noise (its percentile of order statistic k is not exactly that value) that decides where
        // in the tie the value falls; tandem's grid holds the tie exactly. Ties are checked above.
        for (x, expected) in zip(probes, lines[1]) where !grid.contains(x) {
            expectClose(QuantileTransform.apply(x, quantiles: grid), expected, allowedError: exact ? 1e-9 : 1e-5, "x \(x)")
        }
    }
}

extension SplitMix {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
