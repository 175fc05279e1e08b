/// How missing cells are filled before scaling.
public enum ImputeStrategy: String, Codable, Sendable, CaseIterable {
    /// Numeric: training mean. Categorical: most frequent training category.
    case mean
    /// Numeric: training median. Categorical: most frequent training category.
    case median
    /// Numeric and categorical: most frequent training value (ties: the smallest).
    case mostFrequent = "most_frequent"
    /// Numeric: `PreprocessOptions.fillValue`. Categorical: the category `Preprocessor.missingCategory`.
    case constant
}

/// How numeric features are scaled after imputation: `x' = (x - offset) / divisor`.
public enum ScaleMethod: String, Codable, Sendable, CaseIterable {
    /// offset = mean, divisor = population standard deviation (1 if it is 0).
    case standard
    /// offset = min, divisor = max - min (1 if it is 0), so training values land in [0, 1].
    case minmax
    /// The training quantiles mapped to a standard normal distribution (`QuantileTransform`).
    case quantile
    /// offset 0, divisor 1.
    case none
}

/// How a regression target is scaled for training (`TargetScaling`); predictions, metrics and
/// exports stay in the target's units.
public enum TargetScaleMethod: String, Codable, Sendable, CaseIterable {
    /// `standard` for regression, `none` for classification.
    case auto
    /// Standardized with the training split's mean and population standard deviation.
    case standard
    /// Trained on the raw target.
    case none
}

/// How categorical features become numbers.
public enum CategoricalEncoding: String, Codable, Sendable, CaseIterable {
    /// One 0/1 column per training category; an unseen category gives an all-zero block.
    case onehot
    /// One column per feature holding the category's code (its index in the sorted training
    /// categories; the reserved code `categories.count` for a missing or unseen value), which
    /// the model's embedding table (`model.embedding_dim`) turns into learned features.
    case embedding
}

/// The preprocessing settings; decoding fills any absent key with its default.
public struct PreprocessOptions: Codable, Sendable, Equatable {
    /// Missing-value strategy (default `.mean`).
    public var impute: ImputeStrategy
    /// Fill value for numeric features with `.constant` imputation (default 0).
    public var fillValue: Double
    /// Numeric scaling (default `.standard`).
    public var scale: ScaleMethod
    /// Categorical encoding (default `.onehot`).
    public var categorical: CategoricalEncoding
    /// Regression target scaling (default `.auto`).
    public var targetScale: TargetScaleMethod

    /// Options with the given settings; every argument has the default listed on its property.
    public init(impute: ImputeStrategy = .mean, fillValue: Double = 0, scale: ScaleMethod = .standard,
                categorical: CategoricalEncoding = .onehot, targetScale: TargetScaleMethod = .auto) {
        self.impute = impute
        self.fillValue = fillValue
        self.scale = scale
        self.categorical = categorical
        self.targetScale = targetScale
    }

    private enum CodingKeys: String, CodingKey {
        case impute
        case fillValue = "fill_value"
        case fillValueCamelCase = "fillValue"
        case scale
        case categorical
        case targetScale = "target_scale"
    }

    /// Decodes the options, using the default for every absent key (`fill_value` or `fillValue`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let fill = try c.decodeIfPresent(Double.self, forKey: .fillValue)
            ?? c.decodeIfPresent(Double.self, forKey: .fillValueCamelCase)
        self.init(impute: try c.decodeIfPresent(ImputeStrategy.self, forKey: .impute) ?? .mean,
                  fillValue: fill ?? 0,
                  scale: try c.decodeIfPresent(ScaleMethod.self, forKey: .scale) ?? .standard,
                  categorical: try c.decodeIfPresent(CategoricalEncoding.self, forKey: .categorical) ?? .onehot,
                  targetScale: try c.decodeIfPresent(TargetScaleMethod.self, forKey: .targetScale) ?? .auto)
    }

    /// Encodes every setting (`impute`, `fill_value`, `scale`, `categorical`, `target_scale`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(impute, forKey: .impute)
        try c.encode(fillValue, forKey: .fillValue)
        try c.encode(scale, forKey: .scale)
        try c.encode(categorical, forKey: .categorical)
        try c.encode(targetScale, forKey: .targetScale)
    }
}
