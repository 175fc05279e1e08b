import Foundation
import Testing
import TandemData

@Suite struct CSVErrorTests {
    @Test func emptyFile() {
        let e = dataError { _ = try parseCSV("") }
        #expect(e?.file == "t.csv")
        #expect(e?.message.contains("empty") == true)
        #expect(dataError { _ = try parseCSV("\n\r\n") } != nil)
    }

    @Test func headerOnly() {
        let e = dataError { _ = try parseCSV("a,b\n") }
        #expect(e?.message.contains("no data rows") == true)
    }

    @Test func raggedRowNamesLineAndCounts() throws {
        let e = try #require(dataError { _ = try parseCSV("a,b,c\n1,2,3\n\"x\ny\",2,3\n4,5\n") })
        #expect(e.line == 5)
        #expect(e.message == "expected 3 fields (as in the header), found 2")
        #expect(e.description == "t.csv:5: expected 3 fields (as in the header), found 2")
        let long = dataError { _ = try parseCSV("a,b\n1,2,3\n") }
        #expect(long?.line == 2)
        #expect(long?.message.contains("found 3") == true)
    }

    @Test func unterminatedQuoteReportsStartLine() throws {
        let e = try #require(dataError { _ = try parseCSV("a,b\n1,2\n3,\"open\n4,5\n6,7\n") })
        #expect(e.line == 3)
        #expect(e.message.contains("never closed"))
    }

    @Test func quoteLeftOpenThenClosedOnALaterLineReportsWhereItOpened() throws {
        // Regression: a quote opened on line 3 and "closed" by the next quote on line 4 was
        // reported at line 4, one line below the mistake.
        let e = try #require(dataError { _ = try parseCSV("a,b,c\n1,2,3\n4,\"open,6\n7,\"x\",9\n") })
        #expect(e.line == 3)
        #expect(e.message.contains("line 4") && e.message.contains("closing \" missing on line 3"), "\(e)")
    }

    @Test func textAfterClosingQuote() {
        let e = dataError { _ = try parseCSV("a,b\n\"x\"y,2\n") }
        #expect(e?.line == 2)
    }

    @Test func invalidUTF8NamesLine() throws {
        var bytes = Array("a,b\n1,2\n".utf8)
        bytes += [0x66, 0xFF, 0x2C, 0x33, 0x0A]
        let e = try #require(dataError { _ = try CSVReader.parse(Data(bytes), file: "bad.csv") })
        #expect(e.file == "bad.csv")
        #expect(e.line == 3)
        #expect(e.message.contains("UTF-8"))
        let truncated = Array("a\n".utf8) + [0xE6, 0x97, 0x0A]  // 3-byte sequence cut short
        #expect(dataError { _ = try CSVReader.parse(Data(truncated), file: "bad.csv") }?.line == 2)
    }

    @Test func duplicateAndEmptyHeaderNames() {
        let dup = dataError { _ = try parseCSV("a,b,a\n1,2,3\n") }
        #expect(dup?.line == 1)
        #expect(dup?.column == "a")
        #expect(dup?.message.contains("duplicate") == true)
        let empty = dataError { _ = try parseCSV("a,,c\n1,2,3\n") }
        #expect(empty?.line == 1)
        #expect(empty?.message.contains("field 2 is empty") == true)
    }

    @Test func descriptionOmitsNilParts() {
        #expect(DataError(file: "x.csv", line: 17, column: "age", message: "expected a number, found \"abc\"").description
            == "x.csv:17: column 'age': expected a number, found \"abc\"")
        #expect(DataError(file: "x.csv", message: "no such file").description == "x.csv: no such file")
        #expect(DataError(file: "", message: "bad ratio").description == "bad ratio")
    }
}
