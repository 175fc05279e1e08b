import Foundation
import Testing
@testable import TandemData

/// The streaming scanner against the reference `CSVReader.parse`: same cells, same lines, same errors.
@Suite struct CSVRecordScannerTests {
    /// Every record the scanner yields (header included) with its text cells and line, or its error text.
    static func scan(_ bytes: [UInt8]) -> Result<CSVTable, DataError> {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = CSVRecordScanner(bytes: buffer, file: "t.csv")
            do {
                let header = try scanner.readHeader()
                var rows: [[String]] = [], lines: [Int] = []
                repeat {
                    try scanner.requireFieldCount(header.count)
                    rows.append((0..<scanner.fields.count).map { scanner.text($0) })
                    lines.append(scanner.recordLine)
                } while try scanner.next()
                return .success(CSVTable(header: header, rows: rows, lineNumbers: lines))
            } catch let e as DataError {
                return .failure(e)
            } catch {
                return .failure(DataError(file: "t.csv", message: "unexpected \(error)"))
            }
        }
    }

    static func reference(_ bytes: [UInt8]) -> Result<CSVTable, DataError> {
        do { return .success(try CSVReader.parse(Data(bytes), file: "t.csv")) } catch let e as DataError { return .failure(e) } catch {
            return .failure(DataError(file: "t.csv", message: "unexpected \(error)"))
        }
    }

    static let cases: [String] = [
        "a,b\n1,2\n3,4\n",
        "a,b\r\n1,2\r\n3,4",
        "a,b\r1,2\r3,4\r",
        "\u{FEFF}a , b\n\n1,2\n\n\n3,4\n",
        "name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n\"multi\nline\",x\n\"cr\rbreak\",\"crlf\r\nbreak\"\n",
        "a,b\n\"\",\n,\n",
        "h\n\"ü\"\nnaïve\n日本\n",
        "a,b\n1,x\"y\n",
        "a,b\n1,2\n3\n",          // ragged
        "a,b\n1,2,3\n",           // too many fields
        "a,b\n1,\"open\n2,3\n",   // never closed
        "a,b\n\"x\"y,2\n",        // text after a closing quote
        "",                       // empty
        "\n\r\n",                 // only blank lines
        "a,b\n",                  // header only
        "a,,c\n1,2,3\n",          // empty header name
        "a,b,a\n1,2,3\n",         // duplicate header name
    ]

    @Test func sameCellsLinesAndErrorsAsCSVReader() {
        var inputs = Self.cases.map { Array($0.utf8) }
        inputs.append(Array("a,b\n1,".utf8) + [0xFF, 0xFE] + Array("\n".utf8))        // invalid UTF-8, unquoted
        inputs.append(Array("a,b\n1,\"x\n".utf8) + [0xC3] + Array("\"\n".utf8))     // invalid UTF-8, quoted over two lines
        for bytes in inputs {
            let name = String(decoding: bytes, as: UTF8.self).debugDescription
            switch (Self.scan(bytes), Self.reference(bytes)) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(name)")
            case (.failure(let a), .failure(let b)): #expect(a.description == b.description, "\(name)")
            case (let a, let b): Issue.record("\(name): scanner \(a), reference \(b)")
            }
        }
    }

    /// `CellText.number(bytes:)` is bit-identical to `CellText.number(_:)` (Swift's `Double(String)`).
    @Test func numbersFromBytesEqualNumbersFromText() {
        var texts = ["0", "-0", "-0.0", "1", "007", "12.5", " 3.25\t", "1e5", "1E-5", "2.5e+3", "123456789012345678",
                     "9007199254740993", "12345678901234567890", "0.1", "0.3", "1e22", "1e23", "1e-22", "1e-23",
                     "4.9e-324", "1.7976931348623157e308", "1.", ".5", "+5", "-", "", "NA", "nan", "NaN", "inf", "-inf",
                     "Infinity", "0x1p3", "1e", "1e+", "1..2", "1e1000", "1e00001", "abc", "3 4", "?", "None"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let digits = Int.random(in: 1...17, using: &rng)
            var t = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
            if Bool.random(using: &rng) { t.insert(".", at: t.index(t.startIndex, offsetBy: Int.random(in: 1...digits, using: &rng))) }
            if t.hasSuffix(".") { t += "0" }
            if Bool.random(using: &rng) { t += "e\(Int.random(in: -30...30, using: &rng))" }
            if Bool.random(using: &rng) { t = "-" + t }
            texts.append(t)
        }
        for t in texts {
            let fromBytes = Array(t.utf8).withUnsafeBufferPointer { CellText.number(bytes: $0) }
            let fromText = CellText.number(t)
            #expect(fromBytes?.bitPattern == fromText?.bitPattern || (fromBytes?.isNaN == true && fromText?.isNaN == true), "\(t.debugDescription)")
        }
    }

    /// `RecordEncoder` gives `Preprocessor.transform`'s rows exactly, including imputation, an
    /// unseen and a missing category, spaces, quoting and numbers kept as category text.
    /// With `categorical: embedding`, one code column per categorical feature (missing and
    /// unseen: the reserved code `categories.count`).
    @Test(arguments: [CategoricalEncoding.onehot, .embedding])
    func recordEncoderEqualsTransform(_ encoding: CategoricalEncoding) throws {
        let train = try makeTable("x,color,code,y\n1.5,red,1,a\n2,blue,2,b\n,red,1,a\n4.25,green,3,b\n", kinds: ["code": .categorical])
        let pre = try Preprocessor.fit(table: train, features: ["code", "x", "color"], rows: [0, 1, 2, 3], options: PreprocessOptions(categorical: encoding))
        let text = "y,color,x,code\nb,blue,3,2\na,purple, 7.5 ,9\na,NA,NA,1\nb,\"red\",\"1e1\", 3 \nb,,-2,\n"
        let table = try Table(csv: CSVReader.parse(Data(text.utf8), file: "n.csv"), file: "n.csv", kinds: pre.kinds)
        let expected = try pre.transform(table: table, rows: Array(0..<table.rowCount))
        var got: [Float] = []
        try Array(text.utf8).withUnsafeBufferPointer { buffer in
            var scanner = CSVRecordScanner(bytes: buffer, file: "n.csv")
            let encoder = try RecordEncoder(preprocessor: pre, header: try scanner.readHeader(), file: "n.csv")
            var row = [Float](repeating: .nan, count: encoder.width)
            repeat {
                try row.withUnsafeMutableBufferPointer { try encoder.encode(scanner, into: $0.baseAddress!) }
                got += row
            } while try scanner.next()
        }
        #expect(got.map(\.bitPattern) == expected.values.map(\.bitPattern))
        if encoding == .embedding {
            // code [1, 2, 3] -> 0...2, reserved 3; color [blue, green, red] -> 0...2, reserved 3.
            #expect(pre.outputNames == ["code", "x", "color"])
            #expect(expected.values.enumerated().filter { $0.offset % 3 != 1 }.map(\.element) == [1, 0, 3, 3, 0, 3, 2, 2, 3, 3])
        }
    }

    @Test func recordEncoderErrorsNameLineAndColumn() throws {
        let train = try makeTable("x,y\n1,a\n2,b\n")
        let pre = try Preprocessor.fit(table: train, features: ["x"], rows: [0, 1], options: PreprocessOptions())
        func error(_ text: String) -> String {
            Array(text.utf8).withUnsafeBufferPointer { buffer in
                var scanner = CSVRecordScanner(bytes: buffer, file: "n.csv")
                do {
                    let encoder = try RecordEncoder(preprocessor: pre, header: try scanner.readHeader(), file: "n.csv")
                    var row = [Float](repeating: 0, count: encoder.width)
                    repeat { try row.withUnsafeMutableBufferPointer { try encoder.encode(scanner, into: $0.baseAddress!) } } while try scanner.next()
                    return "no error"
                } catch { return "\(error)" }
            }
        }
        #expect(error("x\n1\n\"two\"\n") == "n.csv:3: column 'x': expected a number, found \"two\"")
        #expect(error("x\n1\n-inf\n") == "n.csv:3: column 'x': expected a finite number, found -inf")
        #expect(error("z\n1\n").hasPrefix("n.csv: column 'x': feature column not found"))
    }
}
