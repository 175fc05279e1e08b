import Foundation
import Testing
import TandemMetrics
@testable import TandemTrain

@Suite struct EarlyStoppingTests {
    /// An `EarlyStoppingConfig` decoded from JSON members, e.g. `"metric": "val_loss"`.
    func config(_ members: String) throws -> EarlyStoppingConfig {
        try JSONDecoder().decode(EarlyStoppingConfig.self, from: Data("{\(members)}".utf8))
    }

    func stopper(_ members: String, task: [String] = MetricName.classification) throws -> EarlyStopping {
        try EarlyStopping(config(members), taskMetrics: task)
    }

    /// Records `values` at epochs `first`, `first + 1`, ...; returns which were new bests.
    func record(_ s: inout EarlyStopping, _ values: [Double], first: Int = 1) -> [Bool] {
        values.enumerated().map { s.record($0.element, epoch: first + $0.offset) }
    }

    @Test func validationAccuracyIsMaximized() throws {
        var s = try stopper(#""metric": "val_accuracy", "patience": 3"#)
        #expect(s.metric == SplitMetric(split: .validation, name: "accuracy"))
        #expect(s.direction == .maximize)
        // The last 0.6 equals the best: not an improvement.
        #expect(record(&s, [0.5, 0.6, 0.55, 0.6]) == [true, true, false, false])
        #expect(s.best == 0.6 && s.bestEpoch == 2 && s.sinceBest == 2)
    }

    @Test func validationLossIsMinimized() throws {
        var s = try stopper(#""metric": "val_loss""#)
        #expect(s.direction == .minimize)
        #expect(s.metric == SplitMetric(split: .validation, name: "loss"))
        #expect(record(&s, [1.0, 0.8, 0.9]) == [true, true, false])
        #expect(s.best == 0.8 && s.bestEpoch == 2)
    }

    @Test func trainPrefixSelectsTheTrainSplit() throws {
        let s = try stopper(#""metric": "train_f1""#)
        #expect(s.metric == SplitMetric(split: .train, name: "f1"))
        #expect(s.direction == .maximize)
    }

    @Test func regressionMetrics() throws {
        let r2 = try stopper(#""metric": "val_r2""#, task: MetricName.regression)
        #expect(r2.direction == .maximize)
        let mae = try stopper(#""metric": "train_mae""#, task: MetricName.regression)
        #expect(mae.direction == .minimize && mae.metric.split == .train)
    }

    @Test func stopsAfterPatienceEvaluationsWithoutImprovement() throws {
        var s = try stopper(#""metric": "val_loss", "patience": 2"#)
        #expect(s.config.restoreBest, "restore_best defaults to true")
        _ = record(&s, [1.0, 1.1])
        #expect(s.sinceBest == 1 && !s.shouldStop)
        _ = record(&s, [0.9], first: 3)
        #expect(s.sinceBest == 0, "an improvement resets the count")
        _ = record(&s, [0.95], first: 4)
        #expect(!s.shouldStop)
        _ = record(&s, [0.91], first: 5)
        #expect(s.shouldStop)
        #expect(s.bestEpoch == 3 && s.best == 0.9)
    }

    @Test func minDeltaIsTheSmallestImprovement() throws {
        var loss = try stopper(#""metric": "val_loss", "min_delta": 0.01"#)
        #expect(record(&loss, [1.0, 0.995, 0.98]) == [true, false, true])
        #expect(loss.best == 0.98 && loss.bestEpoch == 3)
        var acc = try stopper(#""metric": "val_accuracy", "min_delta": 0.05"#)
        #expect(record(&acc, [0.5, 0.54, 0.56]) == [true, false, true])
    }

    @Test func nonFiniteValuesNeverImprove() throws {
        var s = try stopper(#""metric": "val_loss""#)
        #expect(record(&s, [.nan]) == [false], "a NaN first value is not a best")
        #expect(s.best == nil)
        #expect(record(&s, [2, .nan], first: 2) == [true, false])
        #expect(s.best == 2)
        var acc = try stopper(#""metric": "val_accuracy""#)
        #expect(record(&acc, [.infinity]) == [false])
    }

    @Test func infiniteValueAfterAFiniteBestIsNotABest() throws {
        // Regression: only the first record required a finite value, so -inf (minimize) or
        // +inf (maximize) could become the best that restore_best goes back to.
        var loss = try stopper(#""metric": "val_loss""#)
        var acc = try stopper(#""metric": "val_accuracy""#)
        let lossResults = record(&loss, [1, -.infinity])
        let accResults = record(&acc, [0.5, .infinity])
        #expect(lossResults == [true, false])
        #expect(accResults == [true, false])
        #expect(loss.best == 1 && acc.best == 0.5)
    }

    @Test(arguments: [("val_bogus", MetricName.classification), ("val_r2", MetricName.classification),
                      ("val_accuracy", MetricName.regression), ("train_", MetricName.classification)])
    func unknownOrForeignMetricIsAConfigError(_ metric: String, _ task: [String]) throws {
        let c = try config(#""metric": "\#(metric)""#)
        do {
            _ = try EarlyStopping(c, taskMetrics: task)
            Issue.record("\(metric) was accepted")
        } catch let error as ConfigError {
            #expect(error.description.contains("train.early_stopping.metric"), "\(error)")
            #expect(error.description.contains("'\(metric)'"), "\(error)")
            #expect(error.description.contains(task.joined(separator: ", ")), "lists the task's metrics: \(error)")
        }
    }
}
