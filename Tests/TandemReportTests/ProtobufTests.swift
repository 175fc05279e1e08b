import Foundation
import Testing
@testable import TandemReport

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
        #expect(throws: ReportError.self) { _ = try r.next() }
    }

    @Test func eventRoundTrip() throws {
        let event = TensorBoardEvent(wallTime: 1_700_000_000.25, step: 42,
                                     scalars: [.init(tag: "train/loss", value: 0.5), .init(tag: "lr", value: 1e-3)])
        #expect(try TensorBoardEvent.decode(event.encoded(), source: "mem") == event)
        let header = TensorBoardEvent(wallTime: 1, step: 0, fileVersion: "brain.Event:2")
        #expect(try TensorBoardEvent.decode(header.encoded(), source: "mem") == header)
    }
}
