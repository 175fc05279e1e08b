/// The standardization of a regression target for training (`data.preprocess.target_scale`):
/// the network learns `(y - mean) / std`, and every output is turned back into the target's
/// units by `unscale` before it is reported, scored, written or served.
///
/// `mean` and `std` (population) are those of the training split; a constant target gets
/// `std` 1. Stored in `model.json` with the feature preprocessing (`preprocessing.target`).
public struct TargetScaling: Codable, Sendable, Equatable {
    /// Subtracted from the target before training.
    public var mean: Double
    /// The target is divided by it before training; finite and non-zero.
    public var std: Double

    /// Scaling with the given statistics.
    public init(mean: Double, std: Double) {
        self.mean = mean
        self.std = std
    }

    /// Fits the statistics of the training targets `values` (in double precision).
    public static func fit(_ values: some Collection<Float>) -> TargetScaling {
        guard !values.isEmpty else { return TargetScaling(mean: 0, std: 1) }
        let n = Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        let std = variance.squareRoot()
        return TargetScaling(mean: mean, std: std.isFinite && std > 1e-12 * max(abs(mean), 1e-300) ? std : 1)
    }

    /// Whether `method` scales a target of `task` (`auto`: regression only).
    public static func applies(_ method: TargetScaleMethod, task: Task) -> Bool {
        switch method {
        case .auto: task == .regression
        case .standard: true
        case .none: false
        }
    }

    /// The training value of target `y`: `(y - mean) / std` in double precision, rounded to float.
    @inlinable
    public func scale(_ y: Float) -> Float { Float((Double(y) - mean) / std) }

    /// A network output in target units: `output * Float(std) + Float(mean)`, in float32 exactly
    /// as the ONNX graph computes it (Mul, then Add), so the two agree bit for bit.
    @inlinable
    public func unscale(_ output: Float) -> Float {
        let product = output * Float(std)
        return product + Float(mean)
    }

    /// `unscale` applied to every value in place.
    public func unscale(_ values: inout [Float]) {
        for i in values.indices { values[i] = unscale(values[i]) }
    }
}
