/// What a layer's forward pass needs besides its input.
public struct ForwardContext: Sendable {
    /// Training mode (dropout active) or inference.
    public var training: Bool
    /// Global optimizer step, for counter-based randomness.
    public var step: Int
    /// Global index (within the global batch) of the first row this rank holds, so dropout masks
    /// do not depend on how the batch is split across ranks.
    public var rowOffset: Int
    /// Seed for counter-based randomness.
    public var seed: UInt64

    public init(training: Bool, step: Int = 0, rowOffset: Int = 0, seed: UInt64 = 0) {
        self.training = training
        self.step = step
        self.rowOffset = rowOffset
        self.seed = seed
    }
}

/// A layer of a sequential network, operating on row-major `[rows, features]` batches. Every
/// layout (data, tensor and pipeline parallel) runs the same layers through `StageNetwork`, so a
/// layer kind written once works under all of them.
///
/// `forward` maps x `[rows, inFeatures]` to y `[rows, outFeatures]` (the features as this rank
/// holds them) and may keep `savedFeatures` floats per row in `saved` `[rows, savedFeatures]`
/// for its backward (e.g. a dropout mask); the caller keeps `saved` per micro-batch, so several
/// micro-batches can be in flight. `backward` receives the same x, y, saved and context, and dy
/// `[rows, outFeatures]`; it accumulates parameter gradients into the arena, calls
/// `gradientsReady` with `parameterRange` as soon as they are complete (before computing dx, so
/// gradient communication can start), and writes dx `[rows, inFeatures]` unless `dx` is nil
/// (first layer). Both throw only for a failed collective (tensor-parallel layers).
public protocol Layer: AnyObject {
    /// Input features as this rank holds them.
    var inFeatures: Int { get }
    /// Output features as this rank holds them.
    var outFeatures: Int { get }
    /// Which of the whole layer's output features y holds: all of them, except for a
    /// column-parallel shard (its columns), so a following elementwise layer knows where it is.
    var outputColumns: Range<Int> { get }
    /// Floats per row kept from forward for backward (0: nothing kept).
    var savedFeatures: Int { get }
    /// The layer's parameters in its arena (weights and bias), empty when it has none.
    var parameterRange: Range<Int> { get }
    /// Workspaces the layer keeps itself (not per micro-batch) are set up for at least `rows`.
    func reserve(rows: Int)
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                 rows: Int, context: ForwardContext) throws
    func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                  saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext,
                  gradientsReady: (Range<Int>) -> Void) throws
}

extension Layer {
    public var outputColumns: Range<Int> { 0..<outFeatures }
    public var savedFeatures: Int { 0 }
    public var parameterRange: Range<Int> { 0..<0 }
    public func reserve(rows: Int) {}
}
