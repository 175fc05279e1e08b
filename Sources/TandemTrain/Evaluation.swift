import TandemMetrics

/// The metrics of one evaluation of one split.
public enum Evaluation: Sendable {
    case classification(ClassificationMetrics)
    case regression(RegressionMetrics)

    /// Mean loss on the split (cross-entropy or MSE).
    public var loss: Double {
        switch self {
        case .classification(let m): return m.loss
        case .regression(let m): return m.loss
        }
    }

    /// Ordered scalar metrics: loss, accuracy, precision, recall, f1, log_loss[, roc_auc] or loss, mse, mae, r2.
    public var scalars: [(String, Double)] {
        switch self {
        case .classification(let m): return m.scalars
        case .regression(let m): return m.scalars
        }
    }

    /// A metric by name (`accuracy`, `loss`, `r2`, ...), nil if this task does not have it.
    public func value(of name: String) -> Double? {
        switch self {
        case .classification(let m): return m.value(of: name)
        case .regression(let m): return m.value(of: name)
        }
    }
}
