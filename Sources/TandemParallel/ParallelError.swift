/// A model-parallel layout that cannot work: a world size the grid does not divide, more
/// pipeline stages than layers, a stage assignment that misses or repeats a layer.
public struct ParallelError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
