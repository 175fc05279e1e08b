/// Whether a larger or a smaller value of a metric is better.
public enum MetricDirection: String, Codable, Sendable {
    /// Larger is better (accuracy, F1, R², ...).
    case maximize
    /// Smaller is better (losses and errors).
    case minimize

    /// Whether `candidate` is strictly better than `incumbent` in this direction.
    public func isBetter(_ candidate: Double, than incumbent: Double) -> Bool {
        switch self {
        case .maximize: candidate > incumbent
        case .minimize: candidate < incumbent
        }
    }
}

/// The metric names accepted by `value(of:)`, early stopping and sweeps.
///
/// Names are the JSON keys of the scalar summaries: lower-case, snake_case, matched exactly.
public enum MetricName {
    /// Classification names, in `ClassificationMetrics.scalars` order.
    public static let classification: [String] = ["loss", "accuracy", "precision", "recall", "f1", "log_loss", "roc_auc"]
    /// Regression names, in `RegressionMetrics.scalars` order.
    public static let regression: [String] = ["loss", "mse", "mae", "r2"]

    /// The direction of `name`: `maximize` for accuracy, precision, recall, f1, roc_auc and r2;
    /// `minimize` for loss, log_loss, mse and mae; `nil` for any other string.
    public static func direction(of name: String) -> MetricDirection? {
        switch name {
        case "accuracy", "precision", "recall", "f1", "roc_auc", "r2": .maximize
        case "loss", "log_loss", "mse", "mae": .minimize
        default: nil
        }
    }
}
