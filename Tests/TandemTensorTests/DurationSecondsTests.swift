import Foundation
import Testing
import TandemTensor

/// The one clock for durations: `ContinuousClock`, read in seconds.
@Suite struct DurationSecondsTests {
    @Test func secondsOfADuration() {
        #expect(Duration.milliseconds(1500).seconds == 1.5)
        #expect(abs(Duration.nanoseconds(1).seconds - 1e-9) < 1e-24)
        #expect(Duration.seconds(-2).seconds == -2)
        #expect((Duration.seconds(3) + .microseconds(250)).seconds == 3.00025)
    }

    @Test func elapsedSecondsCoverASleep() {
        let start = ContinuousClock.now
        Thread.sleep(forTimeInterval: 0.02)
        let elapsed = start.secondsElapsed
        #expect(elapsed >= 0.02 && elapsed < 5, "\(elapsed)")
    }
}
