import Testing
@testable import TandemReport

@Suite struct ProgressBarTests {
    @Test func rendersFilledFraction() {
        let bar = ProgressBar(width: 20)
        #expect(bar.render(fraction: 0.5, prefix: "epoch 3/30", suffix: "loss 0.2134  ETA 0:00:12")
                == "epoch 3/30 [##########..........]  loss 0.2134  ETA 0:00:12")
        #expect(bar.render(fraction: 0, prefix: "", suffix: "") == "[....................]")
        #expect(bar.render(fraction: 1, prefix: "a", suffix: "") == "a [####################]")
    }

    @Test func clampsOutOfRangeFractions() {
        let bar = ProgressBar(width: 10)
        #expect(bar.render(fraction: 7, prefix: "", suffix: "") == "[##########]")
        #expect(bar.render(fraction: -1, prefix: "", suffix: "") == "[..........]")
        #expect(bar.render(fraction: .nan, prefix: "", suffix: "") == "[..........]")
        #expect(ProgressBar(width: 0).width == 1)
    }

    @Test func durations() {
        #expect(ProgressBar.duration(12) == "0:00:12")
        #expect(ProgressBar.duration(3725.4) == "1:02:05")
        #expect(ProgressBar.duration(-1) == "?")
        #expect(ProgressBar.duration(.infinity) == "?")
    }
}
