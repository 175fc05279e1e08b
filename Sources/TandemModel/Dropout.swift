import TandemTensor

/// Inverted dropout: in training, each element is zeroed with probability `rate` and the rest
/// scaled by `1 / (1 - rate)`; identity at inference. x, y, dy, dx: `[rows, features]`; the
/// mask `[rows, features]` is kept in `saved` between forward and backward.
///
/// The mask of a row depends only on (seed, step, layer, global row index, column of the whole
/// layer), never on which rank holds the row or the column, so data- and tensor-parallel
/// training drop exactly what single-process training drops.
public final class Dropout: Layer {
    public let rate: Float
    public let inFeatures: Int
    public var outFeatures: Int { inFeatures }
    public let outputColumns: Range<Int>
    public var savedFeatures: Int { inFeatures }
    let layerKey: UInt64

    /// `columns`: which of the whole layer's features the input holds (all by default; a
    /// column-parallel shard's range under tensor parallelism).
    public init(rate: Float, features: Int, columns: Range<Int>? = nil, layerIndex: Int) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        precondition(columns.map { $0.count == features } ?? true, "Dropout: \(features) features in columns \(String(describing: columns))")
        self.rate = rate
        inFeatures = features
        outputColumns = columns ?? 0..<features
        layerKey = UInt64(layerIndex)
    }

    private func active(_ context: ForwardContext) -> Bool { context.training && rate > 0 }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) {
        let n = rows * inFeatures
        guard active(context), let mask = saved else {
            if UnsafePointer(y) != x { y.update(from: x, count: n) }
            return
        }
        Dropout.fillMask(mask, rows: rows, columns: outputColumns, rate: rate, layerKey: layerKey, context: context)
        for i in 0..<n { y[i] = x[i] * mask[i] }
    }

    /// Writes the mask `[rows, columns.count]` (0 or `1 / (1 - rate)`) of the given columns of the
    /// layer: the same values the whole layer's mask has in those columns.
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

    /// dx = dy * mask in training, dy at inference.
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext, gradientsReady: (Range<Int>) -> Void) {
        guard let dx else { return }
        let n = rows * inFeatures
        if active(context), let mask = saved {
            for i in 0..<n { dx[i] = dy[i] * mask[i] }
        } else if UnsafePointer(dx) != dy {
            dx.update(from: dy, count: n)
        }
    }
}
