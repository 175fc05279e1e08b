import TandemTensor

/// The training distribution of one input feature, computed on the raw (pre-imputation,
/// pre-scaling) values of the training split (the drift of new values against it is measured in
/// TandemArtifact, `FeatureHistogram+Drift.swift`).
///
/// Numeric features: up to 10 quantile bins (`edges` are the interior cut points, ascending and
/// distinct, so ties merge bins; bin `i` holds values in `(edges[i-1], edges[i]]`, the first
/// bin everything <= `edges[0]`, the last everything > the last edge), `counts` per bin over
/// every training value, and the empirical CDF at up to 101 points (`cdfValues`,
/// `cdfFractions`) for the KS statistic: every distinct value when there are at most 101
/// (then KS is exact), else the values at the 0th, 1st, ..., 100th percentile with their exact
/// CDF (KS then within 0.01 of the exact statistic). Above `sampleCap` (20,000) non-missing
/// training values, cut points and CDF points come from an evenly spaced sample of that many
/// (the bin counts still cover every value). Categorical features: the count of each training
/// category; new categories fall into an "other" bin. Missing values are a bin of their own on
/// both kinds.
public struct FeatureHistogram: Codable, Equatable, Sendable {
    /// Quantile bins of a numeric feature.
    public static let bins = 10
    /// CDF points kept beyond the minimum (percentiles).
    public static let cdfSteps = 100
    /// Largest number of values sorted for cut points and CDF points.
    public static let sampleCap = 20_000

    public var name: String
    public var kind: ColumnKind
    /// Training rows whose value is missing.
    public var missing: Int
    /// Numeric: interior bin edges, ascending, distinct.
    public var edges: [Double]
    /// Training rows per bin (numeric: `edges.count + 1` bins; categorical: one per category).
    public var counts: [Int]
    /// Numeric: values where the training CDF is known, ascending.
    public var cdfValues: [Double]
    /// Numeric: the fraction of non-missing training values <= each of `cdfValues`.
    public var cdfFractions: [Double]
    /// Categorical: the training categories, sorted (counts in `counts`).
    public var categories: [String]

    enum CodingKeys: String, CodingKey {
        case name, kind, missing, edges, counts, cdfValues = "cdf_values", cdfFractions = "cdf_fractions", categories
    }

    /// Writes only the fields of its kind (numeric: edges, counts, CDF; categorical: categories, counts).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try c.encode(missing, forKey: .missing)
        try c.encode(counts, forKey: .counts)
        if kind == .numeric {
            try c.encode(edges, forKey: .edges)
            try c.encode(cdfValues, forKey: .cdfValues)
            try c.encode(cdfFractions, forKey: .cdfFractions)
        } else {
            try c.encode(categories, forKey: .categories)
        }
    }

    /// Reads what `encode(to:)` writes and checks that the sizes agree (bins vs counts, CDF
    /// values vs fractions), so a damaged manifest is an error, not a crash at comparison time.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(ColumnKind.self, forKey: .kind)
        missing = try c.decode(Int.self, forKey: .missing)
        counts = try c.decode([Int].self, forKey: .counts)
        edges = try c.decodeIfPresent([Double].self, forKey: .edges) ?? []
        cdfValues = try c.decodeIfPresent([Double].self, forKey: .cdfValues) ?? []
        cdfFractions = try c.decodeIfPresent([Double].self, forKey: .cdfFractions) ?? []
        categories = try c.decodeIfPresent([String].self, forKey: .categories) ?? []
        let bins = kind == .numeric ? edges.count + 1 : categories.count
        guard counts.count == bins, cdfValues.count == cdfFractions.count, missing >= 0, counts.allSatisfy({ $0 >= 0 }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                "drift histogram of '\(name)': \(counts.count) counts for \(bins) bins, \(cdfValues.count) CDF values for \(cdfFractions.count) fractions (or a negative count)"))
        }
    }

    /// A histogram with every field given.
    public init(name: String, kind: ColumnKind, missing: Int, edges: [Double] = [], counts: [Int],
                cdfValues: [Double] = [], cdfFractions: [Double] = [], categories: [String] = []) {
        self.name = name
        self.kind = kind
        self.missing = missing
        self.edges = edges
        self.counts = counts
        self.cdfValues = cdfValues
        self.cdfFractions = cdfFractions
        self.categories = categories
    }

    /// The reference of a numeric feature from its training values (`.nan` = missing).
    public static func numeric(name: String, values: [Double]) -> FeatureHistogram {
        let present = values.presentValues
        let sample: [Double]
        if present.count > sampleCap {
            sample = (0..<sampleCap).map { present[$0 * present.count / sampleCap] }.sorted()
        } else {
            sample = present.sorted()
        }
        let m = sample.count
        // Lower quantile (inverse empirical CDF): the smallest value with F >= q.
        func quantile(_ q: Double) -> Double { sample[max(0, Int((q * Double(m)).rounded(.up)) - 1)] }
        var edges: [Double] = []
        if m > 0 {
            for k in 1..<bins {
                let e = quantile(Double(k) / Double(bins))
                if edges.last != e { edges.append(e) }
            }
        }
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for x in present { counts[bin(x, edges: edges)] += 1 }
        // The CDF at each chosen value: (number of sample values <= x) / m, exact with ties.
        var points: [Double] = []
        var distinct = 0
        for (i, x) in sample.enumerated() where i == 0 || x != sample[i - 1] { distinct += 1 }
        if distinct <= cdfSteps + 1 {
            for (i, x) in sample.enumerated() where i == 0 || x != sample[i - 1] { points.append(x) }
        } else {
            for k in 0...cdfSteps {
                let x = k == 0 ? sample[0] : quantile(Double(k) / Double(cdfSteps))
                if points.last != x { points.append(x) }
            }
        }
        let fractions = points.map { Double(upperBound($0, in: sample)) / Double(m) }
        return FeatureHistogram(name: name, kind: .numeric, missing: values.count - present.count, edges: edges,
                                counts: counts, cdfValues: points, cdfFractions: fractions)
    }

    /// The reference of a categorical feature from its training values (`nil` = missing).
    /// With `rows`, of `values[rows]`.
    public static func categorical(name: String, values: [String?], rows: [Int]? = nil) -> FeatureHistogram {
        let coded = CellCodes(values, rows: rows)
        let tally = coded.counts
        let order = coded.values.indices.sorted { coded.values[$0] < coded.values[$1] }
        return FeatureHistogram(name: name, kind: .categorical, missing: coded.codes.count - tally.reduce(0, +),
                                counts: order.map { tally[$0] }, categories: order.map { coded.values[$0] })
    }

    /// The bin of `x`: the number of edges strictly below it. Counted without branches (there
    /// are at most `bins - 1` edges), which is faster than a binary search on unpredictable data.
    public static func bin(_ x: Double, edges: [Double]) -> Int {
        var below = 0
        for e in edges { below &+= e < x ? 1 : 0 }
        return below
    }

    /// The number of values in ascending `sorted` that are <= `x`.
    static func upperBound(_ x: Double, in sorted: [Double]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
