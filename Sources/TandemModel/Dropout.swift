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
        Dropout.fillMask(mask.base, rows: rows, columns: 0..<inFeatures, rate: rate, layerKey: layerKey, context: context)
        for i in 0..<n { y[i] = x[i] * mask.base[i] }
    }

    /// Writes the mask `[rows, columns.count]` (0 or `1 / (1 - rate)`) of the given columns of the
    /// layer: the same values the whole layer's mask has in those columns, so a
    /// tensor-parallel shard of a layer drops exactly what the whole layer would.
    public static func fillMask(_ mask: UnsafeMutablePointer<Float>, rows: Int, columns: Range<Int>,
                                rate: Float, layerKey: UInt64, context: ForwardContext) {
        let keep = 1 / (1 - rate)
        let stepKey = RandomGenerator.mix(RandomGenerator.mix(context.seed, UInt64(context.step)), layerKey)
        let width = columns.count
        for r in 0..<rows {
            var rng = RandomGenerator(seed: RandomGenerator.mix(stepKey, UInt64(context.rowOffset + r)))
            let m = mask + r * width
            for c in 0..<columns.upperBound {
                let u = rng.nextFloat()
                if c >= columns.lowerBound { m[c - columns.lowerBound] = u < rate ? 0 : keep }
            }
        }
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
