/// Precision, recall, F1 and support of one class in a classification evaluation.
///
/// Precision is `tp / (tp + fp)`, recall `tp / (tp + fn)`, F1 `2 tp / (2 tp + fp + fn)`; each is 0
/// when its denominator is 0 (scikit-learn's `zero_division=0`). `support` is the number of rows
/// whose true label is this class.
public struct ClassMetrics: Codable, Sendable, Equatable {
    /// The class's display name (from `classLabels`).
    public var label: String
    /// `tp / (tp + fp)`; 0 when the class was never predicted.
    public var precision: Double
    /// `tp / (tp + fn)`; 0 when the class never occurs in the labels.
    public var recall: Double
    /// Harmonic mean of precision and recall, `2 tp / (2 tp + fp + fn)`; 0 when `tp == 0`.
    public var f1: Double
    /// Number of rows whose true label is this class.
    public var support: Int

    /// Per-class metrics from explicit values.
    public init(label: String, precision: Double, recall: Double, f1: Double, support: Int) {
        self.label = label
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}
