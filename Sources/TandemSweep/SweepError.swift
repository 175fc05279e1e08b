/// A sweep cannot run or cannot go on: a bad sweep config, a journal that does not fit it, or
/// too many failed trials. Says what is wrong and where (file, line, key).
public struct SweepError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
