import TandemTensor

/// Inverted dropout: in training, each element is zeroed with probability `rate` and the rest
/// scaled by `1 / (1 - rate)`; identity at inference. x, y, dy, dx: `[rows, features]`.
///
/// The mask of a row depends only on (seed, step, layer, global row index), never on which rank
/// holds the row, so data-parallel training matches single-process training.
public final class Dropout: Layer {
    public let rate: Float
    public let inFeatures: Int
    public var outFeatures: Int { inFeatures }
    let layerKey: UInt64
    private var mask = FloatBuffer(count: 0)
    private var active = false

    public init(rate: Float, features: Int, layerIndex: Int) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.rate = rate
        inFeatures = features
        layerKey = UInt64(layerIndex)
    }

    public func reserve(rows: Int) {
        if mask.count < rows * inFeatures { mask = FloatBuffer(count: rows * inFeatures) }
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, context: ForwardContext) {
        let n = rows * inFeatures
        active = context.training && rate > 0
        guard active else {
            if UnsafePointer(y) != x { y.update(from: x, count: n) }
            return
        }
        reserve(rows: rows)
        let keep = 1 / (1 - rate)
        let stepKey = RandomGenerator.mix(RandomGenerator.mix(context.seed, UInt64(context.step)), layerKey)
        for r in 0..<rows {
            var rng = RandomGenerator(seed: RandomGenerator.mix(stepKey, UInt64(context.rowOffset + r)))
            let m = mask.base + r * inFeatures
            for c in 0..<inFeatures { m[c] = rng.nextFloat() < rate ? 0 : keep }
        }
        for i in 0..<n { y[i] = x[i] * mask.base[i] }
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>?, rows: Int) {
        guard let dx else { return }
        let n = rows * inFeatures
        if active {
            for i in 0..<n { dx[i] = dy[i] * mask.base[i] }
        } else if UnsafePointer(dx) != dy {
            dx.update(from: dy, count: n)
        }
    }
}
