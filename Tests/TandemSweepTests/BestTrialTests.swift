import Foundation
import Testing
import TandemMetrics
@testable import TandemSweep

/// Which trial is best, and what the results files say about every trial.
@Suite struct BestTrialTests {
    func state(_ outcomes: [TrialOutcome]) throws -> SweepState {
        let c = try parseSweep(sweepYAML("strategy: grid\nparams:\n  train.optimizer.lr: {grid: [0.01, 0.1]}\n  train.batch_size: {choice: [8, 16]}"))
        let s = c.makeStrategy()
        var state = SweepState(trials: try s.trials(), strategy: s)
        for (i, o) in outcomes.enumerated() {
            try state.apply(.started(trial: i, group: 1, resume: false))
            try state.apply(.ended(trial: i, outcome: o))
        }
        return state
    }

    func outcome(_ accuracy: Double, loss: Double, epochs: Int, status: TrialStatus = .finished) -> TrialOutcome {
        TrialOutcome(status: status, epochs: epochs, metric: accuracy, wallSeconds: 1, error: nil,
                     validation: [("loss", loss), ("accuracy", accuracy)], test: [("loss", loss + 0.1), ("accuracy", 0.9)])
    }

    @Test func tiesOnTheMetricGoToTheLowerValidationLossThenFewerEpochs() throws {
        // Regression: ten trials tied at val_accuracy 1.0 on 18 rows, and the first (the worst
        // val_loss) was chosen.
        let tied = try state([outcome(1.0, loss: 0.30, epochs: 20), outcome(1.0, loss: 0.05, epochs: 30),
                              outcome(0.9, loss: 0.01, epochs: 5), outcome(1.0, loss: 0.05, epochs: 12)])
        #expect(tied.best(mode: .maximize) == 3, "same loss as trial 1, fewer epochs")
        let byLoss = try state([outcome(1.0, loss: 0.30, epochs: 20), outcome(1.0, loss: 0.05, epochs: 30)])
        #expect(byLoss.best(mode: .maximize) == 1)
        // The metric itself still comes first.
        let clear = try state([outcome(0.95, loss: 0.01, epochs: 1), outcome(1.0, loss: 0.9, epochs: 50)])
        #expect(clear.best(mode: .maximize) == 1)
    }

    @Test func resultsCarryEveryValidationMetricTheEpochsAndMarkedTestMetrics() throws {
        let c = try parseSweep(sweepYAML("strategy: grid\nmetric: val_accuracy\nparams:\n  train.optimizer.lr: {grid: [0.01, 0.1]}\n  train.batch_size: {choice: [8, 16]}"))
        let s = try state([outcome(1.0, loss: 0.3, epochs: 20), outcome(0.8, loss: 0.5, epochs: 3, status: .stopped)])
        let table = ResultsTable(config: c, state: s)
        let lines = table.csv.split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("epochs,val_accuracy,wall_seconds,seed,error,val_loss,test_not_used_for_selection.loss,test_not_used_for_selection.accuracy"), "\(lines[0])")
        #expect(lines[2].hasPrefix("1,stopped,") && lines[2].contains(",3,0.8,"), "\(lines[2])")
        let json = table.jsonLines.split(separator: "\n").map(String.init)
        #expect(json[0].contains("\"validation\":{\"loss\":0.3,\"accuracy\":1"), "\(json[0])")
        #expect(json[0].contains("\"test_not_used_for_selection\":{\"loss\":0.4"), "\(json[0])")
        #expect(json[1].contains("\"status\":\"stopped\""), "\(json[1])")
    }
}
