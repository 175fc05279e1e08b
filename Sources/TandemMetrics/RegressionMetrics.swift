/// Scores of a regressor's predictions against real-valued targets.
///
/// Matches scikit-learn's `mean_squared_error`, `mean_absolute_error` and `r2_score` (with its
/// default `force_finite=True`).
public struct RegressionMetrics: Codable, Sendable, Equatable {
    /// Number of evaluated rows.
    public var count: Int
    /// The training loss, equal to `mse`.
    public var loss: Double
    /// Mean squared error `(1/n) sum (pred - target)^2`.
    public var mse: Double
    /// Mean absolute error `(1/n) sum |pred - target|`.
    public var mae: Double
    /// Coefficient of determination `1 - SSE / SST`, with `SST = sum (target - mean)^2`.
    ///
    /// When the targets are constant (`SST == 0`, which includes `n <= 1`) it is 1 for a perfect
    /// fit (`SSE == 0`) and 0 otherwise, as scikit-learn's `r2_score` does, so it is always finite.
    public var r2: Double

    /// Metrics from explicit values (prefer `compute(predictions:targets:)`).
    public init(count: Int, loss: Double, mse: Double, mae: Double, r2: Double) {
        self.count = count
        self.loss = loss
        self.mse = mse
        self.mae = mae
        self.r2 = r2
    }

    /// Scores `predictions` against `targets`.
    ///
    /// Shapes: `predictions`, `targets`: `[n]`. Sums are accumulated in Double (two passes for SST).
    /// With `n == 0` every value is 0. Traps if the counts differ.
    public static func compute(predictions: [Float], targets: [Float]) -> RegressionMetrics {
        precondition(predictions.count == targets.count,
                     "RegressionMetrics: \(predictions.count) predictions for \(targets.count) targets")
        let n = targets.count
        guard n > 0 else { return RegressionMetrics(count: 0, loss: 0, mse: 0, mae: 0, r2: 0) }

        var sse = 0.0, sae = 0.0, targetSum = 0.0
        for i in 0..<n {
            let d = Double(predictions[i]) - Double(targets[i])
            sse += d * d
            sae += abs(d)
            targetSum += Double(targets[i])
        }
        let mean = targetSum / Double(n)
        var sst = 0.0
        for t in targets { let d = Double(t) - mean; sst += d * d }

        let r2: Double
        if sst == 0 {
            r2 = sse == 0 ? 1 : 0
        } else {
            r2 = 1 - sse / sst
        }
        let mse = sse / Double(n)
        return RegressionMetrics(count: n, loss: mse, mse: mse, mae: sae / Double(n), r2: r2)
    }
}
