import Foundation
import Testing
@testable import TandemReport

@Suite struct AxisTicksTests {
    @Test func niceNumbers() {
        #expect(AxisTicks.niceNumber(0.37, round: true) == 0.5)
        #expect(AxisTicks.niceNumber(130, round: true) == 100)
        #expect(AxisTicks.niceNumber(180, round: true) == 200)
        #expect(AxisTicks.niceNumber(7.2, round: true) == 10)
        #expect(AxisTicks.niceNumber(3, round: false) == 5)
        #expect(AxisTicks.niceNumber(0.002, round: false) == 0.002)
    }

    @Test func stepsCoverTheDataTightly() {
        let steps = AxisTicks(min: 6, max: 1200, count: 7, integer: true)
        #expect(steps.values == [0, 200, 400, 600, 800, 1000, 1200])
        let loss = AxisTicks(min: 0.02, max: 2.47)
        #expect(loss.values == [0, 0.5, 1, 1.5, 2, 2.5])
        let accuracy = AxisTicks(min: 0.59, max: 0.97)
        #expect(accuracy.lower == 0.5)
        #expect(abs(accuracy.upper - 1.0) < 1e-12)
        #expect(abs(accuracy.step - 0.1) < 1e-12)
    }

    @Test func everyStepIsOneTwoOrFiveTimesAPowerOfTen() {
        for (lo, hi) in [(0.0, 1.0), (-3.2, 17.9), (1e-7, 3e-6), (123.0, 98765.0), (0.9, 0.95), (-1.0, -0.2)] {
            let t = AxisTicks(min: lo, max: hi)
            let mantissa = t.step / pow(10, log10(t.step).rounded(.down))
            #expect([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-9 }, "step \(t.step) for \(lo)...\(hi)")
            #expect(t.lower <= lo && t.upper >= hi)
            #expect((3...9).contains(t.values.count), "\(t.values.count) ticks for \(lo)...\(hi)")
        }
    }

    @Test func degenerateRanges() {
        let flat = AxisTicks(min: 0.01, max: 0.01)
        #expect(flat.lower < 0.01 && flat.upper > 0.01)
        let zero = AxisTicks(min: 0, max: 0)
        #expect(zero.lower <= -1 && zero.upper >= 1)
        let nan = AxisTicks(min: .nan, max: .infinity)
        #expect(nan.values.allSatisfy { $0.isFinite })
        #expect(AxisTicks(min: 1, max: 3, integer: true).step >= 1)
    }

    @Test func labels() {
        let lr = AxisTicks(min: 0, max: 0.002)
        #expect(lr.values.map(lr.label) == ["0", "0.0005", "0.0010", "0.0015", "0.0020"])
        let rate = AxisTicks(min: 4000, max: 16000)
        #expect(rate.label(16000) == "16k")
        let big = AxisTicks(min: 0, max: 2_400_000)
        #expect(big.label(500_000) == "0.5M")
        let tiny = AxisTicks(min: 0, max: 3e-6)
        #expect(tiny.label(1e-6) == "1.0e-06")
        let negative = AxisTicks(min: -2.3, max: 1)
        #expect(negative.label(-1.5) == "-1.5")
        #expect(!negative.values.map(negative.label).contains("-0"))
    }
}
