import TandemTensor

/// A sweep cannot run or cannot go on: a bad sweep config, a journal that does not fit it, or
/// too many failed trials. Says what is wrong and where (file, line, key).
public struct SweepError: KindedError, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    /// Always `.userInput`: a restart cannot fix it.
    public var kind: FailureKind { .userInput }
}
