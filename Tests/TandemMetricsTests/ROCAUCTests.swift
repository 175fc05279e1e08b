import TandemMetrics
import TandemTensor
import Testing
import TestSupport

/// Two-column probabilities `[1 - s, s]` for binary scores `s`.
func binaryProbabilities(_ scores: [Float]) -> Matrix {
    Matrix(rows: scores.count, cols: 2, values: scores.flatMap { [1 - $0, $0] })
}

/// Expected AUCs from `sklearn.metrics.roc_auc_score` (1.9.1) or counted by hand.
@Suite struct ROCAUCTests {
    /// Positives {.4,.7,.4,.8,.4} vs negatives {.2,.4,.9,.7,.1}: 15 of 25 pairs won, ties counting half.
    @Test func tiesGetAverageRanks() throws {
        let scores: [Float] = [0.2, 0.4, 0.4, 0.7, 0.4, 0.9, 0.8, 0.7, 0.1, 0.4]
        let labels: [Int32] = [0, 1, 0, 1, 1, 0, 1, 0, 0, 1]
        let m = ClassificationMetrics.compute(probabilities: binaryProbabilities(scores), labels: labels,
                                              classLabels: ["neg", "pos"])
        let auc = try #require(m.rocAUC)
        expectClose(auc, 0.6, allowedError: 1e-12)
        #expect(m.confusion == [[3, 2], [3, 2]])
        expectClose(m.f1, 0.4949494949494949, allowedError: 1e-12)
        expectClose(m.loss, 0.7674578153574444, allowedError: 1e-6)
    }

    @Test func allScoresTiedGiveOneHalf() {
        #expect(ROCAUC.score(scores: [0.5, 0.5, 0.5, 0.5], isPositive: [false, false, true, true]) == 0.5)
    }

    @Test func perfectAndReversedRankings() {
        #expect(ROCAUC.score(scores: [0.1, 0.2, 0.8, 0.9], isPositive: [false, false, true, true]) == 1)
        #expect(ROCAUC.score(scores: [0.9, 0.8, 0.2, 0.1], isPositive: [false, false, true, true]) == 0)
    }

    @Test func singleClassInLabelsGivesNil() {
        #expect(ROCAUC.score(scores: [0.1, 0.9], isPositive: [true, true]) == nil)
        #expect(ROCAUC.score(scores: [], isPositive: []) == nil)
        let m = ClassificationMetrics.compute(probabilities: binaryProbabilities([0.3, 0.6]), labels: [0, 0],
                                              classLabels: ["0", "1"])
        #expect(m.rocAUC == nil)
        #expect(m.scalars.map(\.0) == ["loss", "accuracy", "precision", "recall", "f1", "log_loss"])
    }
}
