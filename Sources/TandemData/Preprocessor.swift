import TandemTensor

/// Fitted feature preprocessing: imputation, scaling and one-hot encoding, learned from the
/// training rows and applied unchanged to validation, test and serving data.
///
/// Serializable (`Codable`), so it is saved with the model. The output of `transform` has one
/// column per numeric feature and one per category of each categorical feature (one code column
/// with `categorical: embedding`), in feature order.
public struct Preprocessor: Codable, Sendable, Equatable {
    /// The category that missing categorical cells become with `.constant` imputation (and with
    /// any strategy when the training rows have no value at all). It gets its own one-hot column
    /// only if it occurred in the training rows.
    public static let missingCategory = "missing"

    /// The options the preprocessor was fitted with.
    public var options: PreprocessOptions
    /// One fitted transform per input feature, in output order.
    public var features: [FeatureTransform]
    /// The regression target's scaling for training (nil: trained on the raw target).
    public var target: TargetScaling?

    /// A preprocessor from already fitted parts.
    public init(options: PreprocessOptions, features: [FeatureTransform], target: TargetScaling? = nil) {
        self.options = options
        self.features = features
        self.target = target
    }

    /// Learns imputation values, scales and categories for `features` from `rows` of `table` only.
    ///
    /// Each feature keeps the kind of its column in `table`. Scaling statistics are computed on
    /// the imputed values (as an impute-then-scale pipeline would). Throws `DataError` for an
    /// unknown or repeated feature name (listing the columns), no features, no rows, or an
    /// infinite numeric value (with its line and column).
    public static func fit(table: Table, features: [String], rows: [Int], options: PreprocessOptions) throws -> Preprocessor {
        guard !features.isEmpty else {
            throw DataError(file: table.file, message: "no feature columns were given; columns are: \(DataError.list(table.names))")
        }
        guard !rows.isEmpty else {
            throw DataError(file: table.file, message: "no training rows to fit the preprocessing on")
        }
        var seen = Set<String>()
        var fitted: [FeatureTransform] = []
        for name in features {
            guard seen.insert(name).inserted else {
                throw DataError(file: table.file, column: name, message: "feature is listed twice")
            }
            let c = try table.requireIndex(of: name, role: "feature")
            switch table.columns[c] {
            case .numeric(let all):
                let values = all.gathered(rows)
                if let i = values.firstIndex(where: { $0.isInfinite }) {
                    throw DataError(file: table.file, line: table.lineNumbers[rows[i]], column: name,
                                    message: "expected a finite number, found \(CellText.format(values[i]))")
                }
                fitted.append(.numeric(name: name, values: values, options: options))
            case .categorical(let all):
                fitted.append(.categorical(name: name, values: all, rows: rows, options: options))
            }
        }
        return Preprocessor(options: options, features: fitted)
    }

    /// Number of columns `transform` produces.
    public var outputWidth: Int { features.reduce(0) { $0 + $1.width } }

    /// Name of each output column: the feature name for numeric and embedded codes, `name=category` for one-hot.
    public var outputNames: [String] { features.flatMap(\.outputNames) }

    /// Input feature names, in order.
    public var featureNames: [String] { features.map(\.name) }

    /// The kind of each input feature, to load another file typed the same way
    /// (`Table.load(path:kinds:)`).
    public var kinds: [String: ColumnKind] {
        Dictionary(features.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
    }
}
