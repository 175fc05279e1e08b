import Foundation
import Testing
@testable import TandemData

/// The scanner's word-at-a-time skip over unquoted field bytes against fields known by
/// construction: delimiters, line breaks and non-ASCII bytes at every offset within and across
/// 8-byte words, and invalid UTF-8 found wherever it sits in a long field.
@Suite struct CSVWordScanTests {
    @Test func fieldsOfEveryLengthAndBreak() throws {
        var rng = SplitMix(seed: 5)
        let alphabet = Array("abcXYZ019.-_ ".utf8)
        let breaks: [[UInt8]] = [[0x0A], [0x0D, 0x0A], [0x0D]]
        for trial in 0..<300 {
            let width = Int(rng.next() % 4) + 1
            var bytes = Array((0..<width).map { "h\($0)" }.joined(separator: ",").utf8) + [0x0A]
            var expected: [[String]] = []
            for _ in 0..<Int(rng.next() % 6 + 1) {
                var row: [String] = []
                for c in 0..<width {
                    var cell = (0..<Int(rng.next() % 21)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                    if rng.next() % 5 == 0 { cell.insert(contentsOf: Array("é".utf8), at: Int(rng.next() % UInt64(cell.count + 1))) }
                    if c == 0 && cell.isEmpty { cell = [0x41] }   // a blank first cell in a one-column row is a blank line
                    row.append(String(decoding: cell, as: UTF8.self))
                    bytes += cell + (c + 1 < width ? [0x2C] : breaks[Int(rng.next() % 3)])
                }
                expected.append(row)
            }
            let table = try CSVReader.parse(Data(bytes), file: "t.csv")
            #expect(table.rows == expected, "trial \(trial)")
        }
    }

    @Test(arguments: Array(0..<20))
    func invalidUTF8AnywhereInALongField(offset: Int) {
        var cell = Array(repeating: UInt8(ascii: "a"), count: 24)
        cell[offset] = 0xFF
        let bytes = Array("a,b\n1,".utf8) + cell + [0x0A]
        #expect(throws: DataError.self) { try CSVReader.parse(Data(bytes), file: "t.csv") }
    }
}
