import Foundation
import Testing
import TestSupport
import TandemData

/// `data.preprocess.target_scale`: training-split statistics, the round trip back to the
/// target's units, and what `auto` means per task.
@Suite struct TargetScalingTests {
    @Test func standardizesWithTheTrainingStatisticsAndRoundTrips() {
        let y: [Float] = [100, 200, 300, 400]
        let s = TargetScaling.fit(y)
        #expect(s.mean == 250)
        expectClose(s.std, (12500.0).squareRoot(), allowedError: 1e-9)
        let scaled = y.map(s.scale)
        expectClose(Double(scaled.reduce(0, +)), 0, allowedError: 1e-6)
        expectClose(Double(scaled.map { $0 * $0 }.reduce(0, +)) / 4, 1, allowedError: 1e-6)
        var back = scaled
        s.unscale(&back)
        expectClose(back, y, allowedError: 1e-4)
        // Large offsets survive the float32 round trip to float32 rounding.
        let far = TargetScaling(mean: 1e6, std: 3)
        for v: Float in [999_990, 1_000_000, 1_000_007] {
            #expect(abs(far.unscale(far.scale(v)) - v) <= v.ulp * 2)
        }
    }

    @Test func constantTargetGetsStdOne() {
        #expect(TargetScaling.fit([5, 5, 5]) == TargetScaling(mean: 5, std: 1))
        #expect(TargetScaling.fit([Float]()) == TargetScaling(mean: 0, std: 1))
    }

    @Test func autoScalesRegressionOnly() {
        #expect(TargetScaling.applies(.auto, task: .regression))
        #expect(!TargetScaling.applies(.auto, task: .classification))
        #expect(!TargetScaling.applies(.none, task: .regression))
        #expect(TargetScaling.applies(.standard, task: .regression))
    }

    @Test func storedWithThePreprocessingOnlyWhenSet() throws {
        let plain = Preprocessor(options: PreprocessOptions(), features: [])
        #expect(!String(decoding: try JSONEncoder().encode(plain), as: UTF8.self).contains("\"target\":"))
        var scaled = plain
        scaled.target = TargetScaling(mean: 2, std: 0.5)
        #expect(try JSONDecoder().decode(Preprocessor.self, from: JSONEncoder().encode(scaled)) == scaled)
    }
}
