import TandemMetrics
import Testing
import TestSupport

/// Expected values from scikit-learn 1.9.1 (`mean_squared_error`, `mean_absolute_error`, `r2_score`)
/// on the float32 inputs widened to float64.
@Suite struct RegressionMetricsTests {
    @Test func scikitLearnDocExample() {
        let m = RegressionMetrics.compute(predictions: [2.5, 0.0, 2, 8], targets: [3, -0.5, 2, 7])
        #expect(m.count == 4)
        #expect(m.mse == 0.375)
        #expect(m.loss == m.mse)
        #expect(m.mae == 0.5)
        expectClose(m.r2, 0.9486081370449679, allowedError: 1e-12)
    }

    @Test func nonRepresentableDecimals() {
        let m = RegressionMetrics.compute(predictions: [1.1, 1.9, 3.2, 3.8, 5.5], targets: [1, 2, 3, 4, 5])
        expectClose(m.mse, 0.0700000095367443, allowedError: 1e-12)
        expectClose(m.mae, 0.2200000286102295, allowedError: 1e-12)
        expectClose(m.r2, 0.9649999952316278, allowedError: 1e-12)
    }

    @Test func constantTargetsPerfectFitGivesOne() {
        let m = RegressionMetrics.compute(predictions: [2, 2, 2], targets: [2, 2, 2])
        #expect(m.mse == 0)
        #expect(m.mae == 0)
        #expect(m.r2 == 1)
    }

    @Test func constantTargetsImperfectFitGivesZero() {
        let m = RegressionMetrics.compute(predictions: [1, 2, 3], targets: [2, 2, 2])
        expectClose(m.mse, 2.0 / 3, allowedError: 1e-15)
        expectClose(m.mae, 2.0 / 3, allowedError: 1e-15)
        #expect(m.r2 == 0)
    }

    @Test func emptyInputGivesZeros() {
        let m = RegressionMetrics.compute(predictions: [], targets: [])
        #expect(m == RegressionMetrics(count: 0, loss: 0, mse: 0, mae: 0, r2: 0))
    }

    @Test func predictingTheMeanGivesZeroR2() {
        let m = RegressionMetrics.compute(predictions: [2, 2, 2], targets: [1, 2, 3])
        expectClose(m.r2, 0, allowedError: 1e-15)
    }
}
