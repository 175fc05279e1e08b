import Foundation
import Testing
@testable import TandemReport

@Suite struct TFRecordTests {
    let payloads = [Data("first".utf8), Data(), Data((0..<300).map { UInt8($0 % 256) })]

    func framed() -> Data {
        var out = Data()
        for p in payloads { TFRecord.append(p, to: &out) }
        return out
    }

    @Test func roundTrip() throws {
        let data = framed()
        #expect(data.count == payloads.map(\.count).reduce(0, +) + TFRecord.overhead * payloads.count)
        #expect(try TFRecord.records(in: data, source: "mem") == payloads)
        #expect(try TFRecord.records(in: Data(), source: "mem").isEmpty)
    }

    @Test func layoutIsLengthThenMaskedCRCs() {
        let record = [UInt8](TFRecord.frame(Data("abc".utf8)))
        #expect(Array(record[0..<8]) == [3, 0, 0, 0, 0, 0, 0, 0])
        let lengthCRC = CRC32C.masked(CRC32C.checksum([3, 0, 0, 0, 0, 0, 0, 0]))
        #expect(TFRecord.readLE(UInt32.self, record, at: 8) == lengthCRC)
        #expect(Array(record[12..<15]) == Array("abc".utf8))
        #expect(TFRecord.readLE(UInt32.self, record, at: 15) == CRC32C.masked(CRC32C.checksum(Data("abc".utf8))))
    }

    @Test func flippedDataByteNamesTheRecord() {
        var bytes = [UInt8](framed())
        let secondStart = 16 + payloads[0].count     // record 1 starts here; its data is empty
        let thirdData = secondStart + 16 + 12       // first data byte of record 2
        bytes[thirdData + 5] ^= 0x01
        #expect(throws: ReportError.self) { try TFRecord.records(in: Data(bytes), source: "f.tfevents") }
        do {
            _ = try TFRecord.records(in: Data(bytes), source: "f.tfevents")
        } catch {
            #expect("\(error)".contains("f.tfevents: record 2 at byte \(secondStart + 16)"))
            #expect("\(error)".contains("data CRC mismatch"))
            guard case .damagedRecord(let source, let record, let byte, .dataCRCMismatch(let stored, let computed))? = (error as? ReportError)?.reason else {
                Issue.record("expected a data CRC mismatch reason, got \(error)")
                return
            }
            #expect(source == "f.tfevents" && record == 2 && byte == secondStart + 16 && stored != computed)
        }
    }

    @Test func flippedLengthByteIsALengthCRCError() {
        var bytes = [UInt8](framed())
        bytes[1] ^= 0x40
        do {
            _ = try TFRecord.records(in: Data(bytes), source: "f")
            Issue.record("a corrupted length must not parse")
        } catch {
            #expect("\(error)".contains("record 0 at byte 0: length CRC mismatch"))
        }
    }

    @Test func truncationIsReported() {
        let data = framed()
        for cut in [5, 20, data.count - 2] {
            do {
                _ = try TFRecord.records(in: data.prefix(cut), source: "f")
                Issue.record("truncated at \(cut) must not parse")
            } catch {
                #expect("\(error)".contains("truncated"), "\(error)")
            }
        }
    }
}
