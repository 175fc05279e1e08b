/// A protocol-buffer message that cannot be decoded: `reason` says why, with the source and
/// the byte offset or field.
public struct ProtobufError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// Field `field` declares `length` bytes, but only `remaining` are left.
        case lengthPastEnd(field: Int, length: UInt64, remaining: Int)
        /// Field `field` has a wire type this reader does not decode.
        case unsupportedWireType(field: Int, wireType: Int)
        /// A varint runs past the end at `byte`.
        case truncatedVarint(byte: Int)
        /// A varint is longer than 10 bytes (at `byte`).
        case overlongVarint(byte: Int)
        /// `what` (e.g. `fixed64 field 3`) runs past the end at `byte`.
        case truncated(what: String, byte: Int)
    }

    /// The message or file that was being read (e.g. a path).
    public let source: String
    /// What is wrong.
    public let reason: Reason

    public init(source: String, _ reason: Reason) {
        self.source = source
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .lengthPastEnd(let field, let length, let remaining):
            "\(source): field \(field) declares \(length) bytes, \(remaining) left"
        case .unsupportedWireType(let field, let wireType):
            "\(source): field \(field) has unsupported wire type \(wireType)"
        case .truncatedVarint(let byte):
            "\(source): truncated varint at byte \(byte)"
        case .overlongVarint(let byte):
            "\(source): varint longer than 10 bytes at byte \(byte)"
        case .truncated(let what, let byte):
            "\(source): truncated \(what) at byte \(byte)"
        }
    }
}
