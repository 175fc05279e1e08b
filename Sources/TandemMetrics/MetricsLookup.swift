extension ClassificationMetrics {
    /// The value of the metric called `name` (one of `MetricName.classification`), or `nil` for an
    /// unknown name, or for `roc_auc` when `rocAUC` is `nil`.
    public func value(of name: String) -> Double? {
        switch name {
        case "loss": loss
        case "accuracy": accuracy
        case "precision": precision
        case "recall": recall
        case "f1": f1
        case "log_loss": logLoss
        case "roc_auc": rocAUC
        default: nil
        }
    }

    /// The scalar summary in fixed order: loss, accuracy, precision, recall, f1, log_loss, then
    /// roc_auc only when `rocAUC` is not `nil` (a binary task with both classes in the labels).
    public var scalars: [(String, Double)] {
        var out: [(String, Double)] = [("loss", loss), ("accuracy", accuracy), ("precision", precision),
                                       ("recall", recall), ("f1", f1), ("log_loss", logLoss)]
        if let rocAUC { out.append(("roc_auc", rocAUC)) }
        return out
    }
}

extension RegressionMetrics {
    /// The value of the metric called `name` (one of `MetricName.regression`), or `nil` for an unknown name.
    public func value(of name: String) -> Double? {
        switch name {
        case "loss": loss
        case "mse": mse
        case "mae": mae
        case "r2": r2
        default: nil
        }
    }

    /// The scalar summary in fixed order: loss, mse, mae, r2.
    public var scalars: [(String, Double)] {
        [("loss", loss), ("mse", mse), ("mae", mae), ("r2", r2)]
    }
}
