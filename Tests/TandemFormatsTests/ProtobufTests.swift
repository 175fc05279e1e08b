import Foundation
import Testing
@testable import TandemFormats

@Suite struct ProtobufTests {
    @Test func varintsMatchTheSpec() {
        var w = ProtobufWriter()
        w.varint(1); w.varint(300); w.varint(0)
        #expect(w.encoded == [0x01, 0xAC, 0x02, 0x00])
        var n = ProtobufWriter()
        n.int64(2, -1)
        #expect(n.encoded == [0x10] + Array(repeating: 0xFF, count: 9) + [0x01])
    }

    @Test func fieldKeysAndFixedWidths() {
        var w = ProtobufWriter()
        w.double(1, 1.0)
        w.float(2, 1.0)
        w.string(3, "hi")
        #expect(w.encoded == [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x15, 0, 0, 0x80, 0x3F, 0x1A, 2, 0x68, 0x69])
    }

    /// Packed repeated fields: one key, the byte length, then the elements (protobuf encoding guide).
    @Test func packedFieldsMatchTheSpec() {
        var w = ProtobufWriter()
        w.packedInt64s(1, [3, 270, 86942])
        #expect(w.encoded == [0x0A, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
        var f = ProtobufWriter()
        f.packedFloats(4, [1.0, -2.0])
        #expect(f.encoded == [0x22, 0x08, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
    }

    @Test func readerRoundTrip() throws {
        var w = ProtobufWriter()
        w.int64(2, 123_456_789_012)
        w.double(1, -2.5)
        w.float(7, 0.25)
        w.string(3, "brain.Event:2")
        var r = ProtobufReader(w.encoded, source: "test")
        var fields: [Int: ProtobufField.Value] = [:]
        while let f = try r.next() { fields[f.number] = f.value }
        guard case .varint(let step)? = fields[2], case .fixed64(let t)? = fields[1],
              case .fixed32(let x)? = fields[7], case .bytes(let s)? = fields[3] else {
            Issue.record("missing fields: \(fields)")
            return
        }
        #expect(Int64(bitPattern: step) == 123_456_789_012)
        #expect(Double(bitPattern: t) == -2.5)
        #expect(Float(bitPattern: x) == 0.25)
        #expect(String(decoding: s, as: UTF8.self) == "brain.Event:2")
    }

    @Test func truncatedMessageIsAnError() {
        var w = ProtobufWriter()
        w.string(1, "hello")
        var r = ProtobufReader(Array(w.encoded.dropLast(2)), source: "record 4")
        #expect(throws: ProtobufError.self) { _ = try r.next() }
        do { _ = try r.next() } catch { #expect("\(error)".contains("record 4")) }
    }

    /// The reason says which field declared how many bytes, and how many were left.
    @Test func truncatedFieldReasonCarriesTheLengths() {
        var w = ProtobufWriter()
        w.string(1, "hello")
        var r = ProtobufReader(Array(w.encoded.dropLast(2)), source: "record 4")
        do {
            _ = try r.next()
            Issue.record("a truncated field decoded")
        } catch let e as ProtobufError {
            #expect(e.reason == .lengthPastEnd(field: 1, length: 5, remaining: 3))
            #expect(e.source == "record 4")
        } catch {
            Issue.record("\(error)")
        }
    }
}
