/// A metric of one split, as configs, checkpoints and logs name it: `val_accuracy`, `train_loss`.
///
/// Parsed once from its qualified name, so code asks for the split, the name or the direction
/// instead of cutting strings.
public struct SplitMetric: Equatable, Sendable {
    /// The split a metric is computed on, and its prefix in qualified names.
    public enum Split: String, Sendable, CaseIterable {
        case validation, train

        /// `val_` or `train_`.
        public var prefix: String { self == .validation ? "val_" : "train_" }
    }

    /// The split the metric is computed on.
    public let split: Split
    /// The metric's name within the split, e.g. `accuracy` (a `MetricName`, when it is one).
    public let name: String

    /// The metric `name` of `split`.
    public init(split: Split, name: String) {
        self.split = split
        self.name = name
    }

    /// Parses `val_<name>` or `train_<name>` (the name not empty); nil for any other text.
    public init?(qualified text: String) {
        guard let split = Split.allCases.first(where: { text.hasPrefix($0.prefix) }) else { return nil }
        let name = String(text.dropFirst(split.prefix.count))
        guard !name.isEmpty else { return nil }
        self.init(split: split, name: name)
    }

    /// `val_<name>` or `train_<name>`.
    public var qualified: String { split.prefix + name }

    /// Whether larger or smaller is better; nil when `name` is not a known metric.
    public var direction: MetricDirection? { MetricName.direction(of: name) }
}
