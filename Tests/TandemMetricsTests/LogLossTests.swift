import Foundation
import TandemMetrics
import Testing
import TestSupport

@Suite struct LogLossTests {
    /// A zero probability on the true class is clipped to 1e-15, contributing `-log(1e-15)`.
    ///
    /// Expected: `(-log(1e-15) - log(0.75) - log(0.5)) / 3`. (scikit-learn >= 1.5 clips at the
    /// float64 epsilon instead of 1e-15, so its `log_loss` differs here by design.)
    @Test func zeroProbabilityIsClipped() {
        let m = ClassificationMetrics.compute(probabilities: matrix([[1, 0], [0.25, 0.75], [0.5, 0.5]]),
                                              labels: [1, 1, 0], classLabels: ["0", "1"])
        expectClose(m.loss, 11.83986854930747, allowedError: 1e-12)
        expectClose(m.loss, (-log(1e-15) - log(0.75) - log(0.5)) / 3, allowedError: 1e-12)
        #expect(m.logLoss == m.loss)
        #expect(m.loss.isFinite)
    }

    /// A probability of exactly 1 is clipped to `1 - 1e-15`, so the loss is tiny but positive.
    @Test func certainCorrectPredictionIsClippedBelowOne() {
        let m = ClassificationMetrics.compute(probabilities: matrix([[0, 1]]), labels: [1], classLabels: ["0", "1"])
        #expect(m.loss > 0)
        expectClose(m.loss, -log(1 - 1e-15), allowedError: 1e-20)
    }
}
