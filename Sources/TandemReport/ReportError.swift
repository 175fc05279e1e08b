/// Something TandemReport could not read or write; the message names the file (and the line or
/// record) and what is wrong, e.g. `runs/a/metrics.jsonl line 7: not a JSON object`.
public struct ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The whole message, ready to print.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
