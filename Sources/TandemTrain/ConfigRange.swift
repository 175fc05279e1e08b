/// The valid range of every numeric config key, checked when the config is decoded so that no
/// value can overflow a counter, size an allocation from nothing, or train on garbage with exit 0.
/// README's "Valid ranges" table lists the same bounds. Each check throws a `ConfigError` naming
/// the key path, the value and the range.
enum ConfigRange {
    /// Counts of steps (`max_steps`, `warmup_steps`, `step_size`, `every_steps`): 10^12, far past
    /// any real run, and small enough that steps x batch stays exact in a double.
    static let maxSteps = 1_000_000_000_000
    static let maxEpochs = 1_000_000
    /// Global batch: 2^24 rows.
    static let maxBatch = 1 << 24
    /// Width of one hidden layer (2^20) and number of hidden layers.
    static let maxWidth = 1 << 20
    static let maxLayers = 1_000
    /// Gradient bucket sizes, MiB.
    static let maxBucketMiB = 4_096.0
    /// Seconds (collective_timeout, checkpoint.every_seconds): about 31 years.
    static let maxSeconds = 1e9
    static let maxParallel = 65_536

    /// `value` must lie in `range`.
    static func check(_ value: Int, _ key: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else { throw ConfigError("\(key): \(value) is outside the valid range \(range.lowerBound)...\(range.upperBound)", keyPath: key) }
    }

    /// `value` must be a number in `range` (NaN never is).
    static func check(_ value: Double, _ key: String, _ range: ClosedRange<Double>) throws {
        guard range.contains(value) else { throw ConfigError("\(key): \(value) is outside the valid range [\(range.lowerBound), \(range.upperBound)]", keyPath: key) }
    }

    /// `value` must be a finite number >= 0 (no upper bound: a huge value diverges or does nothing,
    /// and training says so).
    static func nonNegative(_ value: Double, _ key: String) throws {
        guard value.isFinite, value >= 0 else { throw ConfigError("\(key): \(value) is outside the valid range: a finite number >= 0", keyPath: key) }
    }

    /// `value` must be a number in (`above`, `upTo`]: positive quantities such as rates.
    static func check(_ value: Double, _ key: String, above: Double, upTo: Double) throws {
        guard value > above, value <= upTo else { throw ConfigError("\(key): \(value) is outside the valid range (\(above), \(upTo)]", keyPath: key) }
    }

    /// `value` must be a number in [`from`, `below`): fractions such as momentum and dropout.
    static func check(_ value: Double, _ key: String, from: Double, below: Double) throws {
        guard value >= from, value < below else { throw ConfigError("\(key): \(value) is outside the valid range [\(from), \(below))", keyPath: key) }
    }
}
