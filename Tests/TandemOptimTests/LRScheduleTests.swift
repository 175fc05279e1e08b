import Testing
import TandemOptim
import TestSupport

@Suite struct LRScheduleTests {
    @Test func constantIsBaseEverywhere() {
        let s = LRSchedule(kind: .constant, baseLR: 0.01, totalSteps: 100)
        for step in [0, 1, 50, 99, 100, 10_000] { #expect(s.lr(at: step) == 0.01, "step \(step)") }
    }

    @Test(arguments: ScheduleKind.allCases)
    func warmupRampsLinearlyToBase(kind: ScheduleKind) {
        let s = LRSchedule(kind: kind, baseLR: 0.1, warmupSteps: 10, totalSteps: 100, stepSize: 5, gamma: 0.5, minLR: 0.01)
        expectClose(s.lr(at: 0), 0.01, allowedError: 1e-12)
        expectClose(s.lr(at: 4), 0.05, allowedError: 1e-12)
        expectClose(s.lr(at: 9), 0.1, allowedError: 1e-12)
        for step in 0..<9 { #expect(s.lr(at: step) < s.lr(at: step + 1), "warmup must increase at step \(step)") }
        // The first step after warmup is the base rate for every kind.
        expectClose(s.lr(at: 10), 0.1, allowedError: 1e-12)
    }

    @Test func stepMultipliesByGammaEveryStepSize() {
        let s = LRSchedule(kind: .step, baseLR: 1, totalSteps: 100, stepSize: 10, gamma: 0.5)
        for step in 0..<10 { #expect(s.lr(at: step) == 1, "step \(step)") }
        for step in 10..<20 { expectClose(s.lr(at: step), 0.5, allowedError: 1e-12, "step \(step)") }
        expectClose(s.lr(at: 25), 0.25, allowedError: 1e-12)
        expectClose(s.lr(at: 99), 1.0 / 512, allowedError: 1e-15)
    }

    @Test func stepCountsFromTheEndOfWarmup() {
        let s = LRSchedule(kind: .step, baseLR: 1, warmupSteps: 5, totalSteps: 100, stepSize: 10, gamma: 0.1)
        expectClose(s.lr(at: 14), 1, allowedError: 1e-12)
        expectClose(s.lr(at: 15), 0.1, allowedError: 1e-12)
    }

    @Test func cosineGoesFromBaseToMin() {
        let s = LRSchedule(kind: .cosine, baseLR: 1, warmupSteps: 10, totalSteps: 110, minLR: 0.1)
        expectClose(s.lr(at: 10), 1, allowedError: 1e-12)
        expectClose(s.lr(at: 60), 0.55, allowedError: 1e-12)
        // A quarter of the way: min + (base - min) * (1 + cos(pi/4)) / 2.
        expectClose(s.lr(at: 35), 0.1 + 0.9 * (1 + 0.5.squareRoot()) / 2, allowedError: 1e-12)
        expectClose(s.lr(at: 110), 0.1, allowedError: 1e-12)
        expectClose(s.lr(at: 1_000), 0.1, allowedError: 1e-12)
        for step in 10..<110 { #expect(s.lr(at: step) >= s.lr(at: step + 1), "cosine must not increase at \(step)") }
    }

    @Test func linearGoesFromBaseToMin() {
        let s = LRSchedule(kind: .linear, baseLR: 1, warmupSteps: 10, totalSteps: 110, minLR: 0.1)
        expectClose(s.lr(at: 10), 1, allowedError: 1e-12)
        expectClose(s.lr(at: 35), 0.775, allowedError: 1e-12)
        expectClose(s.lr(at: 60), 0.55, allowedError: 1e-12)
        expectClose(s.lr(at: 110), 0.1, allowedError: 1e-12)
        expectClose(s.lr(at: 5_000), 0.1, allowedError: 1e-12)
    }

    @Test(arguments: [ScheduleKind.cosine, .linear])
    func totalStepsNotBeyondWarmupStaysFinite(kind: ScheduleKind) {
        // totalSteps <= warmupSteps must not divide by zero.
        let s = LRSchedule(kind: kind, baseLR: 1, warmupSteps: 10, totalSteps: 10, minLR: 0.2)
        expectClose(s.lr(at: 10), 1, allowedError: 1e-12)
        expectClose(s.lr(at: 11), 0.2, allowedError: 1e-12)
        #expect((0..<50).allSatisfy { s.lr(at: $0).isFinite })
    }
}
