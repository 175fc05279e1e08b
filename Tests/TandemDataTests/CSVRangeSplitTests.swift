import Foundation
import Testing
@testable import TandemData

/// Byte ranges read by several "ranks" (`CSVRangeSplit` + `CSVPieceReader`, the steps of
/// parallel preparation without MPI) against `Table(streaming:)` of the whole file: the same
/// table, or the same error, wherever the ranges are cut.
@Suite struct CSVRangeSplitTests {
    /// The table assembled from `ranges` of `text` as the ranks assemble it: summaries, plan,
    /// typing per piece (the first error in rank order wins), kinds agreed, shards, concatenated.
    static func byRanges(_ text: String, ranges: [Range<Int>], kinds: [String: ColumnKind] = [:]) -> Result<Table, DataError> {
        let data = Data(text.utf8)
        return Result {
            try data.withUnsafeBytes { raw in
                let file = raw.bindMemory(to: UInt8.self)
                let header = try CSVPieceReader.header(of: file, path: "t.csv", kinds: kinds)
                let summaries = ranges.map { CSVRangeSplit.summarize(file, range: $0) }
                let pieces = CSVRangeSplit.plan(summaries.map { CSVRangeSplit.Summary(integers: $0.integers)! }, fileSize: file.count, headerStart: CSVRangeSplit.headerStart(of: file))
                let readers = pieces.map { CSVPieceReader(file: file, path: "t.csv", piece: $0, header: header, kinds: kinds) }
                let typed = try readers.map { try $0.typing() }
                let numeric = header.indices.map { c in typed.allSatisfy { $0.numeric[c] } }
                let shards = try readers.map { try TableShard(bytes: $0.shard(numeric: numeric).bytes, source: "t.csv") }
                // The one-pass reading (`parse`, then `shard(_:numeric:)`) gives the same kinds and shards.
                var parsed = try readers.map { try $0.parse() }
                #expect(parsed.map(\.numeric) == typed.map(\.numeric) && parsed.map(\.rows) == typed.map(\.rows))
                let onePass = try readers.indices.map { r in try TableShard(bytes: readers[r].shard(&parsed[r], numeric: numeric).bytes, source: "t.csv") }
                #expect(zip(onePass, shards).allSatisfy { a, b in
                    a.lines == b.lines && zip(a.columns, b.columns).allSatisfy { StreamingTableTests.same($0.cells, $1.cells) }
                })
                return Table(file: "t.csv", names: header, shards: shards)
            }
        }.mapError { $0 as? DataError ?? DataError(file: "", message: "\($0)") }
    }

    static func whole(_ text: String, kinds: [String: ColumnKind] = [:]) -> Result<Table, DataError> {
        let data = Data(text.utf8)
        return Result { try data.withUnsafeBytes { try Table(streaming: $0.bindMemory(to: UInt8.self), file: "t.csv", kinds: kinds) } }
            .mapError { $0 as? DataError ?? DataError(file: "", message: "\($0)") }
    }

    static func expectSame(_ a: Result<Table, DataError>, _ b: Result<Table, DataError>, _ what: String) {
        switch (a, b) {
        case (.success(let x), .success(let y)):
            #expect(x.names == y.names && x.lineNumbers == y.lineNumbers, "\(what): lines \(x.lineNumbers) vs \(y.lineNumbers)")
            #expect(x.columns.count == y.columns.count && zip(x.columns, y.columns).allSatisfy(StreamingTableTests.same),
                    "\(what): \(x.columns) vs \(y.columns)")
        case (.failure(let x), .failure(let y)):
            #expect(x == y, "\(what)")
        default:
            Issue.record("\(what): by ranges \(a) but whole \(b)")
        }
    }

    static let inputs: [String] = [
        "a,b\n1,x\n2,y\n3,z\n",
        "\u{FEFF}a,b\r\n1,x\r\n2.5,\"y\r\nz\"\r\n3,\"p,\nq\"\"\n\"\r\n",   // BOM, CRLF, quoted line breaks and an escaped quote
        "a,b\n1,\"q\"\"uote\"\n NA ,x\n3,  y ",                             // last line without a newline
        "a\n1\n",                                                           // a single row
        "a,b\n",                                                            // header only
        "",                                                                 // empty
        "a,b\n1,2\n\n\n3,4\n\r\n5,6",                                       // blank lines
        "a,b\r1,2\r3,x\r",                                                  // lone CR line ends
        "a,b\n1,5 \"inch\n2,x\"y\n3,\"\"\n",                                // stray quotes inside unquoted fields
        "a,b\n1,2\n3\n4,5\n",                                               // a short record
        "a,b\n1,2\n\"3,4\n5,6\n",                                           // an unclosed quote
        "a,b\n1,2\n3,\"x\"y\n4,5\n",                                        // text after a closing quote
        "a,b\n1,\"x\ny\nz\"\n2,3\n4,5\n6,\"u\nv\"7\n",                      // text after a quote closed lines later
        "x,y\n1,007\n2,NaN\n3,?\n4,inf\n5,a\n",                             // the last cell makes y text
        "a,b\n1,\u{FEFF}x\n\u{FEFF}2,y\n",                                  // a byte-order mark inside the file is text
        "\n\na,b\n1,2\n",                                                     // blank lines before the header
        "\u{FEFF}\r\n\"a\nb\",c\n1,2\n3,4",                                     // a BOM, a blank line, a quoted header name
    ]

    /// Every cut into two ranges, and equal cuts into 1 to 7 ranges.
    @Test(arguments: inputs)
    func sameTableWhereverCut(_ text: String) {
        let n = text.utf8.count
        let expected = Self.whole(text)
        for k in 0...n {
            Self.expectSame(Self.byRanges(text, ranges: [0..<k, k..<n]), expected, "cut at \(k) of \(text.debugDescription)")
        }
        for parts in 1...7 {
            Self.expectSame(Self.byRanges(text, ranges: CSVRangeSplit.ranges(count: n, parts: parts)), expected, "\(parts) ranges of \(text.debugDescription)")
        }
    }

    /// Every cut into three ranges of a file with a forced kind that a later row breaks.
    @Test func forcedKindErrorNamesTheRealLine() {
        let text = "x,y\n1,2\n\"a\nb\",3\n4,q\n5,6\n"
        let n = text.utf8.count
        for i in 0...n {
            for j in i...n {
                let got = Self.byRanges(text, ranges: [0..<i, i..<j, j..<n], kinds: ["y": .numeric])
                Self.expectSame(got, Self.whole(text, kinds: ["y": .numeric]), "cuts \(i), \(j)")
            }
        }
        if case .failure(let e) = Self.whole(text, kinds: ["y": .numeric]) { #expect(e.line == 5) } else { Issue.record("no error") }
    }

    /// A generated file with quoted multi-line cells cut into many ranges.
    @Test func generatedFile() {
        var text = "id,v,t\r\n"
        for i in 0..<400 {
            let t = i % 7 == 0 ? "\"line\r\nbreak, \"\"\(i)\"\"\"" : (i % 5 == 0 ? "" : "w\(i % 3)")
            text += "\(i),\(Double(i) / 8),\(t)\(i % 11 == 0 ? "\n\n" : "\r\n")"
        }
        let n = text.utf8.count
        for parts in [2, 3, 5, 16, 64] {
            Self.expectSame(Self.byRanges(text, ranges: CSVRangeSplit.ranges(count: n, parts: parts)), Self.whole(text), "\(parts) ranges")
        }
    }

    /// Ranges of several 64 KiB blocks (the summary merges its state machines block by block),
    /// with quoted line breaks and stray quotes throughout.
    @Test func rangesLongerThanASummaryBlock() {
        var text = "id,v,t\n"
        for i in 0..<12_000 {
            let t = i % 13 == 0 ? "\"a\nb,\"\"\(i)\"\"\"" : (i % 17 == 0 ? "x\"y" : "w\(i % 3)")
            text += "\(i),\(Double(i) / 8),\(t)\(i % 29 == 0 ? "\r\n" : "\n")"
        }
        let n = text.utf8.count
        #expect(n > 3 << 16)
        for parts in [2, 3] {
            Self.expectSame(Self.byRanges(text, ranges: CSVRangeSplit.ranges(count: n, parts: parts)), Self.whole(text), "\(parts) ranges")
        }
    }

    /// The quote-free summary (no state machine past the first record) is the machine's, on
    /// every range of every input without a `"` (and of each input with its quotes removed).
    @Test func quoteFreeSummaryIsTheMachines() {
        let texts = Self.inputs.map { $0.replacingOccurrences(of: "\"", with: "") } + ["a,b\r\n1,2\r\n\r\n3,4\r", "x\n,\n\n,,\r\r\n"]
        for text in texts {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { p in
                for i in 0...p.count {
                    for j in i...p.count {
                        #expect(!CSVRangeSplit.scan(p, i..<j).quote)
                        let breaks = CSVRangeSplit.breaks(p, i..<j)
                        #expect(CSVRangeSplit.quoteFreeSummary(p, range: i..<j, breaks: breaks) == CSVRangeSplit.machineSummary(p, range: i..<j),
                                "\(i)..<\(j) of \(text.debugDescription)")
                        #expect(CSVRangeSplit.summarize(p, range: i..<j) == CSVRangeSplit.machineSummary(p, range: i..<j))
                    }
                }
            }
        }
    }

    /// The one-pass scan (16 bytes at a time, lane counts added every 255 blocks) counts every
    /// line feed and finds a `"` or a CR wherever it is, at every offset and length around the
    /// block and the count limits.
    @Test func scanCountsAndFindsEveryByte() {
        var bytes = [UInt8](repeating: 0x61, count: 16 * 255 * 2 + 100)
        for i in stride(from: 3, to: bytes.count, by: 7) { bytes[i] = 0x0A }
        bytes.withUnsafeBufferPointer { p in
            for (i, j) in [(0, p.count), (1, p.count - 1), (5, 16 * 255 + 7), (16 * 255 - 3, 16 * 255 + 20), (2, 40), (9, 9)] {
                let scanned = CSVRangeSplit.scan(p, i..<j)
                #expect(scanned.lineFeeds == p[i..<j].filter { $0 == 0x0A }.count, "\(i)..<\(j)")
                #expect(!scanned.quote && !scanned.carriageReturn)
            }
        }
        for special: UInt8 in [0x22, 0x0D] {
            for at in [0, 15, 16, 16 * 255 - 1, 16 * 255, bytes.count - 1] {
                var b = bytes
                b[at] = special
                b.withUnsafeBufferPointer { p in
                    let scanned = CSVRangeSplit.scan(p, 0..<p.count)
                    #expect(scanned.quote == (special == 0x22) && scanned.carriageReturn == (special == 0x0D), "\(special) at \(at)")
                    #expect(scanned.lineFeeds == p.filter { $0 == 0x0A }.count)
                    #expect(!CSVRangeSplit.scan(p, (at + 1)..<p.count).quote && !CSVRangeSplit.scan(p, 0..<at).carriageReturn)
                }
            }
        }
    }

    @Test func shardBytesRoundTripAndDamage() throws {
        let shard = TableShard(columns: [.numeric([1.5, .nan]), .categorical(["é", nil])], lines: [2, 4])
        let bytes = shard.bytes
        let back = try TableShard(bytes: bytes, source: "t.csv")
        #expect(back.lines == [2, 4] && StreamingTableTests.same(back.columns[0].cells, shard.columns[0].cells) && back.columns[1] == shard.columns[1])
        #expect(back.columns[1].cells == .categorical(["é", nil]))
        for cut in [1, 9, bytes.count / 2, bytes.count - 1] {
            #expect(throws: DataError.self) { try TableShard(bytes: Array(bytes.prefix(cut)), source: "t.csv") }
        }
        #expect(throws: DataError.self) { try TableShard(bytes: bytes + [0], source: "t.csv") }
    }

    @Test func summaryIntegersRoundTrip() {
        let text = Array("a,\"b\nc\"\r\n1,2\n".utf8)
        text.withUnsafeBufferPointer { p in
            let s = CSVRangeSplit.summarize(p, range: 3..<p.count)
            #expect(CSVRangeSplit.Summary(integers: s.integers) == s)
            #expect(CSVRangeSplit.Summary(integers: [1, 2]) == nil)
        }
    }
}
