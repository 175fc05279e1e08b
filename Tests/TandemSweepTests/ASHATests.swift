import Testing
import TandemMetrics
@testable import TandemSweep

@Suite struct ASHATests {
    @Test func rungsAreMinEpochsTimesPowersOfTheReduction() {
        #expect(ASHA(config: ASHAConfig(minEpochs: 1, maxEpochs: 27, reduction: 3), mode: .maximize).rungs == [1, 3, 9])
        #expect(ASHA(config: ASHAConfig(minEpochs: 2, maxEpochs: 20, reduction: 2), mode: .maximize).rungs == [2, 4, 8, 16])
        #expect(ASHA(config: ASHAConfig(minEpochs: 5, maxEpochs: 5, reduction: 3), mode: .maximize).rungs == [])
    }

    /// A synthetic objective reported in a fixed order; the answers were worked out by hand with
    /// "go on when fewer than ceil(n / 3) of the n values recorded at the rung are better".
    @Test func promotionAndStoppingMatchAHandComputedSchedule() {
        var asha = ASHA(config: ASHAConfig(minEpochs: 1, maxEpochs: 9, reduction: 3), mode: .maximize)
        #expect(asha.rungs == [1, 3])
        let schedule: [(trial: Int, epoch: Int, value: Double, goOn: Bool)] = [
            (0, 1, 0.50, true),   // rung 1: n=1, keep 1, none better
            (1, 1, 0.40, false),  // n=2, keep 1, 0.50 better
            (2, 1, 0.70, true),   // n=3, keep 1, none better
            (0, 2, 0.55, true),   // between rungs
            (3, 1, 0.60, true),   // n=4, keep 2, 0.70 better
            (4, 1, 0.65, true),   // n=5, keep 2, 0.70 better
            (5, 1, 0.80, true),   // n=6, keep 2, none better
            (6, 1, 0.62, false),  // n=7, keep 3, 0.65, 0.70 and 0.80 better
            (0, 3, 0.60, true),   // rung 3: n=1
            (7, 1, 0.45, false),  // n=8, keep 3, six better
            (8, 1, 0.75, true),   // n=9, keep 3, only 0.80 better
            (2, 3, 0.55, false),  // rung 3: n=2, keep 1, 0.60 better
            (5, 3, 0.90, true),   // n=3, keep 1, none better
            (8, 3, 0.85, true),   // n=4, keep 2, 0.90 better
            (3, 3, 0.50, false),  // n=5, keep 2, three better
            (5, 9, 0.95, true),   // past the last rung
            (2, 3, 0.99, false),  // a restarted trial reaching rung 3 again gets its first answer
            (0, 1, 0.10, true),
        ]
        for s in schedule {
            #expect(asha.report(trial: s.trial, epoch: s.epoch, value: s.value) == s.goOn, "trial \(s.trial) epoch \(s.epoch)")
        }
        #expect(asha.rungCounts(0) == (reached: 9, promoted: 6))
        #expect(asha.rungCounts(1) == (reached: 5, promoted: 3))
    }

    @Test func minimizingAndNotANumber() {
        var asha = ASHA(config: ASHAConfig(minEpochs: 1, maxEpochs: 4, reduction: 2), mode: .minimize)
        #expect(asha.report(trial: 0, epoch: 1, value: .nan) == false)
        #expect(asha.report(trial: 1, epoch: 1, value: 0.3) == true)   // n=2, keep 1, NaN counts as worst
        #expect(asha.report(trial: 2, epoch: 1, value: 0.5) == true)   // n=3, keep 2, 0.3 better
        #expect(asha.report(trial: 3, epoch: 1, value: 0.6) == false)  // n=4, keep 2, 0.3 and 0.5 better
        #expect(asha.report(trial: 4, epoch: 1, value: nil) == false)
        #expect(asha.report(trial: 1, epoch: 2, value: 0.25) == true)  // rung 2: first
    }

    @Test func theStrategyGivesTrialsMaxEpochs() throws {
        let c = try parseSweep(sweepYAML("strategy: asha\ntrials: 4\nasha: {min_epochs: 1, max_epochs: 9, reduction: 3}\nparams:\n  train.optimizer.lr: {loguniform: [0.001, 0.1]}"))
        let s = c.makeStrategy()
        #expect(s.trialOverrides == ["train.epochs=9", "train.eval_every=1"])
        #expect(try s.trials().count == 4)
        // ASHA draws the same trials as random search with the same seed.
        let random = try parseSweep(sweepYAML("strategy: random\ntrials: 4\nparams:\n  train.optimizer.lr: {loguniform: [0.001, 0.1]}")).makeStrategy()
        #expect(try s.trials().map(\.paramOverrides) == random.trials().map(\.paramOverrides))
    }
}
