import Foundation

/// One decoded protocol-buffer field.
public struct ProtobufField: Sendable {
    /// The field number.
    public let number: Int
    /// The raw value of the field.
    public let value: Value

    /// The raw value by wire type.
    public enum Value: Sendable {
        /// A varint (as unsigned; reinterpret for signed types).
        case varint(UInt64)
        /// Eight little-endian bytes.
        case fixed64(UInt64)
        /// A length-delimited payload (string, bytes or embedded message).
        case bytes([UInt8])
        /// Four little-endian bytes.
        case fixed32(UInt32)
    }
}

/// A minimal protocol-buffer decoder: iterates the fields of one message.
public struct ProtobufReader: Sendable {
    private let bytes: [UInt8]
    private var offset = 0
    private let source: String

    /// A reader over `bytes`; `source` names the message in errors (e.g. `events.out... record 3`).
    public init(_ bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// The next field, or nil at the end. Throws `ProtobufError` (naming `source` and the byte offset) on truncation or an unsupported wire type.
    public mutating func next() throws -> ProtobufField? {
        guard offset < bytes.count else { return nil }
        let key = try varint()
        let number = Int(key >> 3)
        switch key & 7 {
        case 0:
            return ProtobufField(number: number, value: .varint(try varint()))
        case 1:
            try need(8, "fixed64 field \(number)")
            defer { offset += 8 }
            return ProtobufField(number: number, value: .fixed64(littleEndian(UInt64.self)))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.count - offset) else {
                throw ProtobufError(source: source, .lengthPastEnd(field: number, length: length, remaining: bytes.count - offset))
            }
            let end = offset + Int(length)
            defer { offset = end }
            return ProtobufField(number: number, value: .bytes(Array(bytes[offset..<end])))
        case 5:
            try need(4, "fixed32 field \(number)")
            defer { offset += 4 }
            return ProtobufField(number: number, value: .fixed32(littleEndian(UInt32.self)))
        default:
            throw ProtobufError(source: source, .unsupportedWireType(field: number, wireType: Int(key & 7)))
        }
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw ProtobufError(source: source, .truncatedVarint(byte: offset)) }
            let b = bytes[offset]
            offset += 1
            guard shift < 64 else { throw ProtobufError(source: source, .overlongVarint(byte: offset)) }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    /// A little-endian `T` at `offset` (bounds checked by the caller).
    private func littleEndian<T: FixedWidthInteger>(_ type: T.Type) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size { v |= T(bytes[offset + i]) << (8 * i) }
        return v
    }

    private func need(_ n: Int, _ what: String) throws {
        guard bytes.count - offset >= n else {
            throw ProtobufError(source: source, .truncated(what: what, byte: offset))
        }
    }
}
