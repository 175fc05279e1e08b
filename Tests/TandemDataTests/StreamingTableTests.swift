import Foundation
import Testing
@testable import TandemData

/// `Table(streaming:)` (the two-pass loader `Table.load` uses) against `Table(csv:)` over the
/// parsed cell text: the same table, or the same error, for every input.
@Suite struct StreamingTableTests {
    func both(_ text: String, kinds: [String: ColumnKind] = [:]) -> (streamed: Result<Table, DataError>, parsed: Result<Table, DataError>) {
        let data = Data(text.utf8)
        let streamed = Result { try data.withUnsafeBytes { try Table(streaming: $0.bindMemory(to: UInt8.self), file: "t.csv", kinds: kinds) } }
            .mapError { $0 as? DataError ?? DataError(file: "", message: "\($0)") }
        let parsed = Result { try Table(csv: CSVReader.parse(data, file: "t.csv"), file: "t.csv", kinds: kinds) }
            .mapError { $0 as? DataError ?? DataError(file: "", message: "\($0)") }
        return (streamed, parsed)
    }

    static let inputs: [String] = [
        "a,b\n1,x\n2,y\n",
        "\u{FEFF}a,b\r\n1,x\r\n2.5,\"y\r\nz\"\r\n",       // BOM, CRLF, a quoted line break
        "a,b\n1,\"q\"\"uote\"\n NA ,x\n3,  y ",          // no final newline, spaces, an escaped quote
        "a\n1\n",                                        // a single row
        "a,b\n",                                         // header only
        "",                                              // empty
        "a,b\n1,2\n3\n",                                 // a short record
        "a,b\n1,2\n\"3,4\n",                             // an unclosed quote
        "x,y\n1,007\n2,NaN\n3,?\n4,inf\n",               // missing tokens, inf, "007" stays numeric
        "x,y\n1,a\n2,3\n",                               // mixed: categorical keeps "3" as text
        // Columns that turn categorical after their first rows (re-read up to there), categories
        // spelled several ways (spaces, quotes, an escaped quote), missing tokens among them.
        "x,y,z\n1,2,3\n2,3.5,NA\n3,b,4\n4,\"b\",c\n5, b ,\"c\"\"d\"\n6,NA,c\"d\n7,,5\n",
        "x,y\n1,a\n2,a\n3,\"a\"\n4, a\n5,\"\"\"a\"\n",   // one category, raw several ways
    ]

    @Test(arguments: inputs)
    func sameTableOrSameError(_ text: String) {
        let (s, p) = both(text)
        switch (s, p) {
        case (.success(let a), .success(let b)):
            #expect(a.names == b.names && a.lineNumbers == b.lineNumbers)
            #expect(zip(a.columns, b.columns).allSatisfy(Self.same), "\(a.columns) vs \(b.columns)")
        case (.failure(let a), .failure(let b)):
            #expect(a == b)
        default:
            Issue.record("streamed \(s) but parsed \(p)")
        }
    }

    /// Equal kinds and cells (numbers bit for bit, so NaN equals NaN).
    static func same(_ a: ColumnValues, _ b: ColumnValues) -> Bool {
        switch (a, b) {
        case (.numeric(let x), .numeric(let y)): return x.map(\.bitPattern) == y.map(\.bitPattern)
        case (.categorical(let x), .categorical(let y)): return x == y
        default: return false
        }
    }

    @Test func forcedKindsMatch() {
        for kinds: [String: ColumnKind] in [["y": .categorical], ["y": .numeric], ["x": .categorical]] {
            let (s, p) = both("x,y\n1,2\n2,3\n", kinds: kinds)
            #expect(zip((try? s.get().columns) ?? [], (try? p.get().columns) ?? [.numeric([])]).allSatisfy(Self.same))
            let (s2, p2) = both("x,y\n1,2\n2,b\n", kinds: kinds)
            switch (s2, p2) {
            case (.success(let a), .success(let b)): #expect(zip(a.columns, b.columns).allSatisfy(Self.same))
            case (.failure(let a), .failure(let b)): #expect(a == b)
            default: Issue.record("\(kinds): streamed \(s2) but parsed \(p2)")
            }
        }
    }
}
