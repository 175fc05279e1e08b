import Foundation
import TandemFormats
import TandemTensor

/// One TensorFlow `Event` as TensorBoard reads it, reduced to the fields Tandem writes:
/// `wall_time` (1, double), `step` (2, int64), `file_version` (3, string) and `summary` (5) whose
/// `Summary.value` (1, repeated) entries carry `tag` (1, string) and `simple_value` (2, float).
public struct TensorBoardEvent: Equatable, Sendable {
    /// One scalar of a summary.
    public struct Scalar: Equatable, Sendable {
        /// The series name, e.g. `validation/loss`.
        public var tag: String
        /// The value (TensorBoard stores scalars as float32).
        public var value: Float

        /// A scalar `tag` = `value`.
        public init(tag: String, value: Float) {
            self.tag = tag
            self.value = value
        }
    }

    /// Seconds since 1970.
    public var wallTime: Double
    /// The global step.
    public var step: Int64
    /// Set only in the first event of a file (`brain.Event:2`).
    public var fileVersion: String?
    /// The summary values (empty for the file-version event).
    public var scalars: [Scalar]

    /// An event with the given fields.
    public init(wallTime: Double, step: Int64, fileVersion: String? = nil, scalars: [Scalar] = []) {
        self.wallTime = wallTime
        self.step = step
        self.fileVersion = fileVersion
        self.scalars = scalars
    }

    /// The protobuf encoding of this event.
    public func encoded() -> Data {
        var event = ProtobufWriter()
        event.double(1, wallTime)
        if step != 0 { event.int64(2, step) }
        if let fileVersion { event.string(3, fileVersion) }
        if !scalars.isEmpty {
            var summary = ProtobufWriter()
            for s in scalars {
                var value = ProtobufWriter()
                value.string(1, s.tag)
                value.float(2, s.value)
                summary.message(1, value)
            }
            event.message(5, summary)
        }
        return event.data
    }

    /// Decodes an event, skipping fields other than the ones above. `source` names it in errors.
    /// Throws `ReportError` for a damaged message.
    public static func decode(_ data: Data, source: String) throws -> TensorBoardEvent {
        do { return try decodeFields(data, source: source) } catch let e as ProtobufError { throw ReportError(.damagedEvent(e)) }
    }

    private static func decodeFields(_ data: Data, source: String) throws -> TensorBoardEvent {
        var event = TensorBoardEvent(wallTime: 0, step: 0)
        var reader = ProtobufReader([UInt8](data), source: source)
        while let field = try reader.next() {
            switch (field.number, field.value) {
            case (1, .fixed64(let bits)): event.wallTime = Double(bitPattern: bits)
            case (2, .varint(let v)): event.step = Int64(bitPattern: v)
            case (3, .bytes(let b)): event.fileVersion = String(decoding: b, as: UTF8.self)
            case (5, .bytes(let b)): event.scalars += try decodeSummary(b, source: source)
            default: continue
            }
        }
        return event
    }

    private static func decodeSummary(_ bytes: [UInt8], source: String) throws -> [Scalar] {
        var out: [Scalar] = []
        var reader = ProtobufReader(bytes, source: "\(source) summary")
        while let field = try reader.next() {
            guard field.number == 1, case .bytes(let valueBytes) = field.value else { continue }
            var tag: String?
            var value: Float?
            var valueReader = ProtobufReader(valueBytes, source: "\(source) summary value")
            while let f = try valueReader.next() {
                switch (f.number, f.value) {
                case (1, .bytes(let b)): tag = String(decoding: b, as: UTF8.self)
                case (2, .fixed32(let bits)): value = Float(bitPattern: bits)
                default: continue
                }
            }
            if let tag, let value { out.append(Scalar(tag: tag, value: value)) }
        }
        return out
    }
}
