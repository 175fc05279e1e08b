/// Checks the sizes of the prepared splits against what the config asks of them.
enum SplitCheck {
    /// Throws `ConfigError` when early stopping watches a validation metric and the validation
    /// split is empty (it would silently never stop); warns (on the root) when the test split is
    /// empty (no test metrics will be reported).
    static func require(_ data: PreparedData, earlyStopping: EarlyStoppingConfig?, isRoot: Bool) throws {
        if let e = earlyStopping, e.metric.hasPrefix("val_"), data.validation.count == 0 {
            throw ConfigError("train.early_stopping watches \(e.metric), but the validation split is empty (\(data.train.count + data.test.count) rows in all); raise data.split.validation, or turn early stopping off with --set train.early_stopping=false", keyPath: "train.early_stopping")
        }
        if data.test.count == 0 && isRoot {
            Progress.warn("the test split is empty (\(data.train.count + data.validation.count) rows in all): no test metrics will be reported; raise data.split.test for a test estimate")
        }
    }
}
