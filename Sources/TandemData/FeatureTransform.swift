import TandemTensor

/// The fitted preprocessing of one input feature: how to impute, scale or one-hot encode it.
///
/// Numeric features use `fill`, `offset` and `divisor` and produce one output column:
/// `x' = ((x is missing ? fill : x) - offset) / divisor`. Categorical features use `categories`
/// and `fillCategory` and produce `categories.count` one-hot columns. A numeric feature fitted
/// with `scale: quantile` keeps offset 0 and divisor 1 and maps the imputed value through its
/// `quantiles` grid instead (`QuantileTransform`). A categorical feature fitted with
/// `categorical: embedding` (`embedded`) produces one column holding its code instead: the
/// category's index in `categories`, or `categories.count` (the embedding table's reserved row)
/// for a missing cell or a category not seen in training.
public struct FeatureTransform: Codable, Sendable, Equatable {
    /// The column name.
    public var name: String
    /// Whether the feature is numeric or categorical (as typed in the training table).
    public var kind: ColumnKind
    /// Numeric: the value a missing cell is replaced with (before scaling). 0 for categorical.
    public var fill: Double
    /// Numeric: subtracted before dividing. 0 for categorical.
    public var offset: Double
    /// Numeric: divided by after subtracting `offset`; never 0. 1 for categorical.
    public var divisor: Double
    /// Categorical: the sorted distinct training categories (after imputation). Empty for numeric.
    public var categories: [String]
    /// Categorical: the category a missing cell is replaced with. Empty for numeric.
    public var fillCategory: String
    /// Numeric with `scale: quantile`: the training quantiles `[K]` (non-decreasing, K >= 2),
    /// at the probabilities `k / (K - 1)`. Nil otherwise (absent from `model.json`).
    public var quantiles: [Double]?
    /// Categorical with `categorical: embedding`: true (encoded as one code column). Nil for
    /// one-hot and numeric features (absent from `model.json`).
    public var embedded: Bool?

    /// A transform with every field given.
    public init(name: String, kind: ColumnKind, fill: Double = 0, offset: Double = 0, divisor: Double = 1,
                categories: [String] = [], fillCategory: String = "", quantiles: [Double]? = nil, embedded: Bool? = nil) {
        self.name = name
        self.kind = kind
        self.fill = fill
        self.offset = offset
        self.divisor = divisor
        self.categories = categories
        self.fillCategory = fillCategory
        self.quantiles = quantiles
        self.embedded = embedded
    }

    /// Whether the feature is categorical and encoded as a code for an embedding table.
    public var isEmbedded: Bool { kind == .categorical && embedded == true }

    /// Rows of the feature's embedding table: one per training category plus the reserved row
    /// (index `categories.count`) for missing and unseen values.
    public var embeddingLevels: Int { categories.count + 1 }

    /// The code of an embedded feature's cell text (nil = missing): its index in `categories`,
    /// or the reserved `categories.count` for a missing or unseen value. `index` maps category
    /// to position (`codeIndex`).
    @inlinable
    public func code(of text: String?, index: [String: Int]) -> Int {
        guard let text, let k = index[text] else { return categories.count }
        return k
    }

    /// Category -> position in `categories` (the first position of a repeated name).
    public var codeIndex: [String: Int] {
        Dictionary(categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The scaled value of an imputed numeric value `x`: through the quantile grid, or
    /// `(x - offset) / divisor`.
    @inlinable
    public func scaled(_ x: Double) -> Double {
        if let quantiles { return QuantileTransform.apply(x, quantiles: quantiles) }
        return (x - offset) / divisor
    }

    /// Number of output columns: 1 for numeric and embedded, one per category for one-hot.
    public var width: Int { kind == .numeric || isEmbedded ? 1 : categories.count }

    /// Output column names: the feature name (numeric, embedded code), or `name=category` per category.
    public var outputNames: [String] { kind == .numeric || isEmbedded ? [name] : categories.map { "\(name)=\($0)" } }

    /// Fits a numeric feature to its training values (`.nan` = missing; all finite otherwise).
    static func numeric(name: String, values: [Double], options: PreprocessOptions) -> FeatureTransform {
        let present = values.presentValues
        let fill: Double
        switch options.impute {
        case .mean: fill = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
        case .median: fill = median(present)
        case .mostFrequent: fill = mostFrequent(present) ?? 0
        case .constant: fill = options.fillValue
        }
        let filled = [Double](hugeUninitializedCapacity: values.count) { out, n in
            for (i, x) in values.enumerated() { out.initializeElement(at: i, to: x.isNaN ? fill : x) }
            n = values.count
        }
        var offset = 0.0
        var divisor = 1.0
        var quantiles: [Double]?
        switch options.scale {
        case .standard where !filled.isEmpty:
            let mean = filled.reduce(0, +) / Double(filled.count)
            let variance = filled.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(filled.count)
            let std = variance.squareRoot()
            offset = mean
            // A constant column can leave rounding noise instead of an exact 0.
            divisor = (std.isFinite && std > 1e-12 * abs(mean)) ? std : 1
        case .minmax where !filled.isEmpty:
            let lo = filled.min() ?? 0
            let hi = filled.max() ?? 0
            offset = lo
            divisor = hi > lo ? hi - lo : 1
        case .quantile:
            quantiles = QuantileTransform.fit(filled)
        case .standard, .minmax, .none:
            break
        }
        return FeatureTransform(name: name, kind: .numeric, fill: fill, offset: offset, divisor: divisor, quantiles: quantiles)
    }

    /// Fits a categorical feature to its training values (`nil` = missing).
    static func categorical(name: String, values: [String?], rows: [Int]? = nil, options: PreprocessOptions) -> FeatureTransform {
        let coded = CellCodes(values, rows: rows)
        let counts = coded.counts
        // The most common value; ties go to the smallest.
        let mode = counts.indices.min { a, b in counts[a] != counts[b] ? counts[a] > counts[b] : coded.values[a] < coded.values[b] }
        let fillCategory = options.impute == .constant
            ? Preprocessor.missingCategory
            : (mode.map { coded.values[$0] } ?? Preprocessor.missingCategory)
        var categories = Set(coded.values)
        if counts.reduce(0, +) < coded.codes.count { categories.insert(fillCategory) }
        return FeatureTransform(name: name, kind: .categorical, categories: categories.sorted(), fillCategory: fillCategory,
                                embedded: options.categorical == .embedding ? true : nil)
    }

    /// Median of `values` (mean of the middle two for an even count); 0 when empty.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        var sorted = [Double](hugeCapacity: values.count)
        sorted.append(contentsOf: values)
        sorted.sort()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The most common value; ties go to the smallest. Nil when empty.
    static func mostFrequent<T: Hashable & Comparable>(_ values: [T]) -> T? {
        var counts: [T: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        return counts.min { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }?.key
    }
}

extension FeatureTransform {
    /// The message for a numeric value that overflows float32 after scaling.
    public static func outOfRange(_ x: Double) -> String {
        "\(CellText.format(x)) is out of range: scaled for the model it exceeds float32 (about 3.4e38)"
    }
}
