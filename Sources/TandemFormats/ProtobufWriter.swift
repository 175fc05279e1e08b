import Foundation

/// Protocol-buffer wire types (TensorBoard event files, ONNX models).
public enum ProtobufWireType: UInt8, Sendable {
    /// Varint: int32, int64, uint64, bool, enum.
    case varint = 0
    /// 8 bytes little-endian: double, fixed64.
    case fixed64 = 1
    /// Length-prefixed bytes: string, bytes, embedded messages.
    case lengthDelimited = 2
    /// 4 bytes little-endian: float, fixed32.
    case fixed32 = 5
}

/// A minimal protocol-buffer encoder: fields are appended in the order they are written.
///
/// Enough for TensorFlow's `Event` and `Summary` messages and ONNX's `ModelProto` (no
/// swift-protobuf dependency).
public struct ProtobufWriter: Sendable {
    /// The encoded message so far.
    public private(set) var encoded: [UInt8] = []

    /// An empty message.
    public init() {}

    /// The encoded message as `Data`.
    public var data: Data { Data(encoded) }

    /// Appends `value` as a base-128 varint (no tag).
    public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            encoded.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        encoded.append(UInt8(v))
    }

    /// Appends the key of field `field` with `wireType`.
    public mutating func key(_ field: Int, _ wireType: ProtobufWireType) {
        varint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// Appends an `int64` field (negative values take 10 bytes, as in protobuf).
    public mutating func int64(_ field: Int, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    /// Appends a `double` field (fixed64, little-endian IEEE 754).
    public mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        appendLittleEndian(value.bitPattern)
    }

    /// Appends a `float` field (fixed32, little-endian IEEE 754).
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// Appends a `packed` repeated `float` field (one length-delimited run of little-endian floats).
    public mutating func packedFloats(_ field: Int, _ values: [Float]) {
        key(field, .lengthDelimited)
        varint(UInt64(values.count * 4))
        encoded.reserveCapacity(encoded.count + values.count * 4)
        for v in values { appendLittleEndian(v.bitPattern) }
    }

    /// Appends a `packed` repeated `int64` field (one length-delimited run of varints).
    public mutating func packedInt64s(_ field: Int, _ values: [Int64]) {
        var run = ProtobufWriter()
        for v in values { run.varint(UInt64(bitPattern: v)) }
        bytes(field, run.encoded)
    }

    /// Appends a `bytes` field (or an embedded message's encoding).
    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        encoded.append(contentsOf: value)
    }

    /// Appends a `string` field as UTF-8.
    public mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// Appends an embedded message field.
    public mutating func message(_ field: Int, _ value: ProtobufWriter) {
        bytes(field, value.encoded)
    }

    /// Appends `value` as little-endian bytes (no tag).
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { encoded.append(contentsOf: $0) }
    }
}
