import Foundation
import Testing
import TandemData

@Suite struct CSVReaderTests {
    @Test func plainRowsAndLineNumbers() throws {
        let t = try parseCSV("a,b,c\n1,2,3\n4,5,6\n")
        #expect(t.header == ["a", "b", "c"])
        #expect(t.rows == [["1", "2", "3"], ["4", "5", "6"]])
        #expect(t.lineNumbers == [2, 3])
    }

    @Test func quotedFieldsWithCommasEscapesAndNewlines() throws {
        let t = try parseCSV("name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n\"multi\nline\",x\nlast,\"\"\n")
        #expect(t.rows == [["Smith, J", "said \"hi\""], ["multi\nline", "x"], ["last", ""]])
        #expect(t.lineNumbers == [2, 3, 5])
    }

    @Test func crlfLineEndings() throws {
        let t = try parseCSV("a,b\r\n1,2\r\n\"x\r\ny\",3\r\n")
        #expect(t.rows == [["1", "2"], ["x\r\ny", "3"]])
        #expect(t.lineNumbers == [2, 3])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        var data = Data([0xEF, 0xBB, 0xBF])
        data.append(contentsOf: Array("id,v\n1,2\n".utf8))
        let t = try CSVReader.parse(data, file: "bom.csv")
        #expect(t.header == ["id", "v"])
    }

    @Test func blankLinesAndMissingTrailingNewline() throws {
        let t = try parseCSV("\na,b\n\n1,2\n\r\n3,4")
        #expect(t.rows == [["1", "2"], ["3", "4"]])
        #expect(t.lineNumbers == [4, 6])
    }

    @Test func emptyFieldsAndTrailingComma() throws {
        let t = try parseCSV("a,b,c\n,,\n1,,3\n")
        #expect(t.rows == [["", "", ""], ["1", "", "3"]])
    }

    @Test func utf8TextIsKept() throws {
        let t = try parseCSV("städt,名前\nMünchen,東京\n")
        #expect(t.header == ["städt", "名前"])
        #expect(t.rows == [["München", "東京"]])
    }

    @Test func headerNamesAreTrimmed() throws {
        let t = try parseCSV(" a , b\n1,2\n")
        #expect(t.header == ["a", "b"])
    }

    @Test func largeFileParsesQuickly() throws {
        var text = "a,b,c,d\n"
        for i in 0..<100_000 { text += "\(i),\(Double(i) * 0.5),\"q,\(i)\",label\(i % 7)\n" }
        let start = Date()
        let t = try parseCSV(text)
        #expect(t.rows.count == 100_000)
        #expect(t.rows[99_999] == ["99999", "49999.5", "q,99999", "label4"])
        #expect(Date().timeIntervalSince(start) < 10)
    }
}
