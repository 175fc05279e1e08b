import TandemData

/// How far a feature's distribution has moved, by its population stability index (PSI).
public enum DriftVerdict: String, Codable, Sendable, CaseIterable, Comparable {
    /// PSI < 0.1: no meaningful change.
    case stable
    /// 0.1 <= PSI < 0.25: a change worth watching.
    case moderate
    /// PSI >= 0.25: the inputs no longer look like the training data.
    case shifted

    /// The verdict for a PSI value (thresholds 0.1 and 0.25, the usual credit-scoring bands).
    public init(psi: Double) {
        self = psi < 0.1 ? .stable : psi < 0.25 ? .moderate : .shifted
    }

    /// Severity order: stable < moderate < shifted.
    public static func < (a: DriftVerdict, b: DriftVerdict) -> Bool {
        let order: [DriftVerdict] = [.stable, .moderate, .shifted]
        return (order.firstIndex(of: a) ?? 0) < (order.firstIndex(of: b) ?? 0)
    }
}

/// The drift of one input feature between the training reference and new rows.
public struct FeatureDrift: Sendable, Equatable {
    /// The feature (column) name.
    public var feature: String
    /// Numeric or categorical, as at training.
    public var kind: ColumnKind
    /// Population stability index over the reference bins (see `DriftStatistics.psi`).
    public var psi: Double
    /// Two-sample Kolmogorov-Smirnov statistic (numeric features; nil for categorical ones, or
    /// when either side has no non-missing value).
    public var ks: Double?
    /// `DriftVerdict(psi:)`.
    public var verdict: DriftVerdict
    /// Number of new rows compared.
    public var rows: Int

    public init(feature: String, kind: ColumnKind, psi: Double, ks: Double?, rows: Int) {
        self.feature = feature
        self.kind = kind
        self.psi = psi
        self.ks = ks
        self.verdict = DriftVerdict(psi: psi)
        self.rows = rows
    }
}
