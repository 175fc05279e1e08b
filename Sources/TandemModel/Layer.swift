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

/// A layer of a sequential network, operating on row-major `[rows, features]` batches.
///
/// `forward` maps x `[rows, inFeatures]` to y `[rows, outFeatures]`; `backward` receives the same
/// x and y and dy `[rows, outFeatures]`, accumulates parameter gradients into the arena, and
/// writes dx `[rows, inFeatures]` unless `dx` is nil (first layer).
public protocol Layer: AnyObject {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// Workspace rows this layer needs are set up for at least `rows`.
    func reserve(rows: Int)
    func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, context: ForwardContext)
    func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, rows: Int)
}

extension Layer {
    public func reserve(rows: Int) {}
}
