import TandemTensor

/// Per-feature training distributions saved in `model.json` (`drift`), and the drift of new
/// rows against them (`DriftReference.compare` in TandemArtifact): population stability index
/// for every feature, plus a two-sample Kolmogorov-Smirnov statistic for numeric ones. See
/// `FeatureHistogram` for the bins and how exact the KS statistic is. Fitted here, with the
/// data, because data preparation computes it with the preprocessing.
public struct DriftReference: Codable, Equatable, Sendable {
    /// Number of training rows the reference was computed from.
    public var rows: Int
    /// One histogram per input feature, in the model's feature order.
    public var features: [FeatureHistogram]

    public init(rows: Int, features: [FeatureHistogram]) {
        self.rows = rows
        self.features = features
    }

    /// The reference of `features` over `rows` of `table` (the training split), from the raw
    /// cell values, before imputation and scaling. Each feature takes the kind of its column.
    /// Throws `DataError` for a feature column the table lacks (listing the columns).
    public static func fit(table: Table, features: [String], rows: [Int]) throws -> DriftReference {
        var histograms: [FeatureHistogram] = []
        for name in features {
            let c = try table.requireIndex(of: name, role: "feature")
            switch table.columns[c] {
            case .numeric(let all): histograms.append(.numeric(name: name, values: all.gathered(rows)))
            case .categorical(let all): histograms.append(.categorical(name: name, values: all, rows: rows))
            }
        }
        return DriftReference(rows: rows.count, features: histograms)
    }
}
