import Foundation
import TandemMetrics
import TandemTensor
import Testing
import TestSupport

/// Builds a `[rows.count, rows[0].count]` matrix from literal rows.
func matrix(_ rows: [[Float]]) -> Matrix {
    Matrix(rows: rows.count, cols: rows.first?.count ?? 0, values: rows.flatMap { $0 })
}

/// Expected values below come from scikit-learn 1.9.1 (`accuracy_score`,
/// `precision_recall_fscore_support(average='macro', zero_division=0)`, `confusion_matrix`, `log_loss`).
@Suite struct ClassificationMetricsTests {
    @Test func perfectClassifier() {
        let m = ClassificationMetrics.compute(
            probabilities: matrix([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]]),
            labels: [0, 1, 2, 0], classLabels: ["a", "b", "c"])
        #expect(m.count == 4)
        #expect(m.accuracy == 1)
        #expect(m.precision == 1)
        #expect(m.recall == 1)
        #expect(m.f1 == 1)
        #expect(m.confusion == [[2, 0, 0], [0, 1, 0], [0, 0, 1]])
        #expect(m.perClass.map(\.label) == ["a", "b", "c"])
        #expect(m.perClass.map(\.support) == [2, 1, 1])
        expectClose(m.loss, 0.3618297605949681, allowedError: 1e-7)
        #expect(m.logLoss == m.loss)
        #expect(m.rocAUC == nil, "ROC-AUC is binary only")
    }

    @Test func allWrong() {
        let m = ClassificationMetrics.compute(
            probabilities: matrix([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]]),
            labels: [1, 0, 1, 0], classLabels: ["no", "yes"])
        #expect(m.accuracy == 0)
        #expect(m.precision == 0)
        #expect(m.recall == 0)
        #expect(m.f1 == 0)
        #expect(m.confusion == [[0, 2], [2, 0]])
        #expect(m.rocAUC == 0)
        expectClose(m.loss, 1.5080716142970811, allowedError: 1e-7)
    }

    /// Class 2 has support but is never predicted: its precision is 0 and it counts in the macro average.
    @Test func threeClassesWithUnpredictedClass() {
        let m = ClassificationMetrics.compute(
            probabilities: matrix([[0.7, 0.2, 0.1], [0.5, 0.4, 0.1], [0.2, 0.5, 0.3], [0.3, 0.6, 0.1],
                                   [0.4, 0.35, 0.25], [0.1, 0.6, 0.3], [0.5, 0.3, 0.2]]),
            labels: [0, 0, 1, 1, 2, 2, 1], classLabels: ["a", "b", "c"])
        #expect(m.confusion == [[2, 0, 0], [1, 2, 0], [1, 1, 0]])
        expectClose(m.accuracy, 0.5714285714285714, allowedError: 1e-12)
        expectClose(m.precision, 0.38888888888888884, allowedError: 1e-12)
        expectClose(m.recall, 0.5555555555555555, allowedError: 1e-12)
        expectClose(m.f1, 0.4444444444444444, allowedError: 1e-12)
        expectClose(m.loss, 0.8640049709167125, allowedError: 1e-7)
        let expected: [(Double, Double, Double, Int)] = [(0.5, 1, 0.6666666666666666, 2),
                                                         (0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 3),
                                                         (0, 0, 0, 2)]
        for (k, e) in expected.enumerated() {
            expectClose(m.perClass[k].precision, e.0, allowedError: 1e-12)
            expectClose(m.perClass[k].recall, e.1, allowedError: 1e-12)
            expectClose(m.perClass[k].f1, e.2, allowedError: 1e-12)
            #expect(m.perClass[k].support == e.3)
        }
    }

    /// Class 2 is predicted without support (counts, all zeros); class 3 is absent from both (excluded from the macro).
    @Test func absentClassIsExcludedFromMacroAverages() {
        let m = ClassificationMetrics.compute(
            probabilities: matrix([[0.6, 0.2, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1], [0.2, 0.1, 0.6, 0.1],
                                   [0.5, 0.3, 0.1, 0.1], [0.1, 0.2, 0.6, 0.1]]),
            labels: [0, 1, 1, 0, 0], classLabels: ["a", "b", "c", "d"])
        #expect(m.confusion == [[2, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
        expectClose(m.accuracy, 0.6, allowedError: 1e-12)
        expectClose(m.precision, 0.6666666666666666, allowedError: 1e-12)
        expectClose(m.recall, 0.38888888888888884, allowedError: 1e-12)
        expectClose(m.f1, 0.48888888888888893, allowedError: 1e-12)
        expectClose(m.loss, 1.2639937009609676, allowedError: 1e-7)
        #expect(m.perClass.count == 4)
        #expect(m.perClass[3] == ClassMetrics(label: "d", precision: 0, recall: 0, f1: 0, support: 0))
        #expect(m.perClass[2].support == 0)
    }

    @Test func argmaxTakesFirstIndexOnTies() {
        let m = ClassificationMetrics.compute(probabilities: matrix([[0.5, 0.5], [0.25, 0.75]]),
                                              labels: [1, 1], classLabels: ["0", "1"])
        #expect(m.confusion == [[0, 0], [1, 1]])
        #expect(m.accuracy == 0.5)
    }

    @Test func emptyInputGivesZeros() {
        let m = ClassificationMetrics.compute(probabilities: Matrix(rows: 0, cols: 2), labels: [],
                                              classLabels: ["0", "1"])
        #expect(m.count == 0)
        #expect([m.loss, m.accuracy, m.precision, m.recall, m.f1, m.logLoss] == [0, 0, 0, 0, 0, 0])
        #expect(m.rocAUC == nil)
        #expect(m.confusion == [[0, 0], [0, 0]])
        #expect(m.perClass.map(\.support) == [0, 0])
    }

    @Test func codableUsesSnakeCaseKeysAndRoundTrips() throws {
        let m = ClassificationMetrics.compute(probabilities: matrix([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]]),
                                              labels: [0, 1, 0], classLabels: ["0", "1"])
        let data = try JSONEncoder().encode(m)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["count", "loss", "accuracy", "precision", "recall", "f1", "log_loss",
                                     "roc_auc", "per_class", "confusion"])
        #expect(try JSONDecoder().decode(ClassificationMetrics.self, from: data) == m)
    }
}
