import Foundation
import Testing
import TandemMetrics
@testable import TandemTrain

/// `StepTimeHistogram`: binning by float bits, nearest-rank percentiles within the bin width,
/// the range's ends, and the checkpoint round trip.
@Suite struct StepTimeHistogramTests {
    /// The exact nearest-rank q-quantile of `values`.
    func exactQuantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        return sorted[max(1, Int((q * Double(sorted.count)).rounded(.up))) - 1]
    }

    @Test func binsAreOneHundredTwentyEighthOfAnOctave() {
        typealias H = StepTimeHistogram
        // 2^-30 s is the first bin's lower edge; 1 s starts octave 30.
        #expect(H.bin(0x1p-30) == 0 && H.lowerEdge(0) == 0x1p-30)
        #expect(H.bin(1.0) == 30 * 128 && H.lowerEdge(30 * 128) == 1.0)
        #expect(H.bin(1.5) == 30 * 128 + 64)
        #expect(H.bin(1.5.nextDown) == 30 * 128 + 63)
        // Every bin's lower edge maps back to it, and the value just below to the bin before.
        for bin in stride(from: 1, to: H.binCount, by: 37) {
            #expect(H.bin(H.lowerEdge(bin)) == bin)
            #expect(H.bin(H.lowerEdge(bin).nextDown) == bin - 1)
            #expect(H.middle(bin) > H.lowerEdge(bin) && H.middle(bin) < H.lowerEdge(bin + 1))
        }
        // Outside the range: zero, negative and tiny in the first bin, huge and infinite in the last.
        for v in [0.0, -0.0, -1.0, 1e-12, .leastNonzeroMagnitude] { #expect(H.bin(v) == 0) }
        for v in [1024.0, 1e9, .infinity, .greatestFiniteMagnitude] { #expect(H.bin(v) == H.binCount - 1) }
    }

    @Test func percentilesMatchTheSortedValuesWithinTheBinWidth() {
        var rng = SystemRandomNumberGenerator()
        // Step-like durations: most near 14 us, a tail up to 4 ms, as a shared machine gives.
        var values: [Double] = []
        for i in 0..<10_007 {
            let base = 13e-6 * Double.random(in: 0.9...1.3, using: &rng)
            values.append(i % 97 == 0 ? Double.random(in: 1e-4...4.1e-3, using: &rng) : base)
        }
        var h = StepTimeHistogram()
        for v in values { h.record(v) }
        #expect(h.count == values.count && h.max == values.max())
        for q in [0.01, 0.1, 0.5, 0.9, 0.99, 0.999] {
            let got = h.quantile(q) ?? .nan, want = exactQuantile(values, q)
            // The bin's middle: at most half a bin, 1/256 of the octave's start, from the value.
            #expect(abs(got - want) <= want / 128, "q \(q): \(got) against \(want)")
        }
        #expect(h.quantile(1) == values.max())
    }

    @Test func percentilesAreOrderedAndNeverAboveTheMax() throws {
        var h = StepTimeHistogram()
        #expect(h.quantile(0.5) == nil)
        #expect(h.summary == .null)
        h.record(1.0)
        // One step: every percentile is that step (the bin's middle is capped by the exact max).
        #expect(h.quantile(0.5) == 1.0 && h.quantile(0.99) == 1.0)
        for v in [2e-5, 3e-5, 1e-5, 5e-3] { h.record(v) }
        let s = try #require(h.quantile(0.5)), p90 = try #require(h.quantile(0.9)), p99 = try #require(h.quantile(0.99))
        #expect(s <= p90 && p90 <= p99 && p99 <= h.max)
        // Five steps: the median is the third shortest (nearest rank: ceil(0.5 x 5) = 3).
        #expect(abs(s - 3e-5) <= 3e-5 / 128)
        guard case .object(let fields) = h.summary else { Issue.record("summary is not an object"); return }
        #expect(fields.map(\.0) == ["steps", "median", "p90", "p99", "max"])
    }

    @Test func aCheckpointRoundTripKeepsEveryBin() throws {
        var h = StepTimeHistogram()
        for v in [1.3e-5, 1.3e-5, 1.41e-5, 2e-3, 0, 5000] { h.record(v) }
        let data = try JSONEncoder().encode(h)
        #expect(try JSONDecoder().decode(StepTimeHistogram.self, from: data) == h)
        // The written form: non-empty bins only, as [lower edge, steps].
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let bins = try #require(object["bins"] as? [[Double]])
        #expect(bins.count == 5 && bins.map { $0[1] }.reduce(0, +) == 6)
        #expect(bins.first?[0] == 0x1p-30)
        // A negative count is not a count.
        let bad = Data(#"{"bins": [[1e-5, -3]], "max": 1e-5}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StepTimeHistogram.self, from: bad) }
        // Counts whose sum would overflow (each 2^62), a count beyond 2^53, and a negative max are
        // errors, not a trap.
        for text in [#"{"bins": [[1e-5, 4611686018427387904], [2e-5, 4611686018427387904]], "max": 1e-5}"#,
                     #"{"bins": [[1e-5, 9007199254740993]], "max": 1e-5}"#,
                     #"{"bins": [[1e-5, 3]], "max": -1}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(StepTimeHistogram.self, from: Data(text.utf8)) }
        }
    }

    @Test func aStateWithStepsWritesThemAndAnOlderCheckpointReadsAsNone() throws {
        var state = CheckpointManifestCodingTests.state
        state.stepTimes.record(1.5e-5)
        let data = try JSONEncoder().encode(CheckpointManifestCodingTests.manifest(state))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == CheckpointManifestCodingTests.formatKeys.union(["step_times"]))
        #expect(try JSONDecoder().decode(CheckpointManifest.self, from: data).state == state)
        object["step_times"] = nil
        let older = try JSONDecoder().decode(CheckpointManifest.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(older.state.stepTimes.count == 0 && older.state.step == state.step)
        // More steps timed than taken is not a state Tandem writes.
        var inflated = state
        for _ in 0...state.step { inflated.stepTimes.record(1e-5) }
        #expect { try CheckpointManifestCodingTests.manifest(inflated).validate() } throws: {
            "\($0)".contains("step_times holds \(inflated.stepTimes.count) steps, more than the \(state.step) taken")
        }
    }
}
