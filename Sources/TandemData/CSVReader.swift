import Foundation

/// The cells of a CSV file as text: one header row and the data rows under it.
public struct CSVTable: Sendable, Equatable {
    /// Column names from the first row, in file order (leading/trailing spaces and tabs removed).
    public var header: [String]
    /// Data rows; each has exactly `header.count` fields, unquoted and unescaped.
    public var rows: [[String]]
    /// Physical 1-based line where each row starts (the header is line 1), for error messages.
    public var lineNumbers: [Int]

    /// A table from already split cells.
    public init(header: [String], rows: [[String]], lineNumbers: [Int]) {
        self.header = header
        self.rows = rows
        self.lineNumbers = lineNumbers
    }
}

/// An RFC 4180 CSV parser working on raw UTF-8 bytes.
///
/// Accepts: comma separators; double-quoted fields, with `""` for a literal quote, which may hold
/// commas and line breaks; CRLF, LF or lone CR line endings; a leading UTF-8 byte-order mark.
/// A trailing line break does not make an extra row and completely empty lines are skipped
/// (so a one-column file cannot mark a missing value with an empty line; use `NA`).
/// A stray `"` inside an unquoted field is kept as text.
public enum CSVReader {
    /// Parses `data` as CSV; `file` is only used in error messages.
    ///
    /// Throws `DataError` (with the line where relevant) for: an empty file, a header with no data
    /// rows, a row whose field count differs from the header's, a quoted field that is never
    /// closed (reported at the line where it starts), text after a closing quote, invalid UTF-8,
    /// and an empty or duplicate header name.
    public static func parse(_ data: Data, file: String) throws -> CSVTable {
        let records = try data.withUnsafeBytes { raw -> [(fields: [String], line: Int)] in
            // The same record scanner streaming prediction uses, so both read CSV identically.
            var scanner = CSVRecordScanner(bytes: raw.bindMemory(to: UInt8.self), file: file)
            var out: [(fields: [String], line: Int)] = []
            while try scanner.next() {
                out.append(((0..<scanner.fields.count).map(scanner.text), scanner.recordLine))
            }
            return out
        }
        guard let first = records.first else {
            throw DataError(file: file, message: "file is empty; expected a header row of column names")
        }
        let header = first.fields.map(trimmedCell)
        try validateHeader(header, line: first.line, file: file)
        guard records.count > 1 else {
            throw DataError(file: file, line: first.line, message: "the header has no data rows after it")
        }
        var rows: [[String]] = []
        var lines: [Int] = []
        rows.reserveCapacity(records.count - 1)
        lines.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            guard record.fields.count == header.count else {
                throw DataError(file: file, line: record.line,
                                message: "expected \(header.count) fields (as in the header), found \(record.fields.count)")
            }
            rows.append(record.fields)
            lines.append(record.line)
        }
        return CSVTable(header: header, rows: rows, lineNumbers: lines)
    }

    /// Every header name must be non-empty and unique.
    static func validateHeader(_ header: [String], line: Int, file: String) throws {
        var seen: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            guard !name.isEmpty else {
                throw DataError(file: file, line: line,
                                message: "header field \(i + 1) is empty; every column needs a name")
            }
            if let previous = seen[name] {
                throw DataError(file: file, line: line, column: name,
                                message: "duplicate column name (header fields \(previous + 1) and \(i + 1))")
            }
            seen[name] = i
        }
    }
}

extension CSVRecordScanner {
    /// Reads the header record and moves to the first data record (then `fields` are its fields).
    /// Returns the column names, trimmed. Throws `DataError` as `CSVReader.parse` does for an empty
    /// file, an empty or duplicate header name, and a header with no data rows after it.
    public mutating func readHeader() throws -> [String] {
        guard try next() else {
            throw DataError(file: file, message: "file is empty; expected a header row of column names")
        }
        let header = (0..<fields.count).map { trimmedCell(text($0)) }
        let line = recordLine
        try CSVReader.validateHeader(header, line: line, file: file)
        guard try next() else {
            throw DataError(file: file, line: line, message: "the header has no data rows after it")
        }
        return header
    }

    /// Throws the `DataError` of `CSVReader.parse` when the current record does not have `count` fields.
    public func requireFieldCount(_ count: Int) throws {
        guard fields.count == count else {
            throw DataError(file: file, line: recordLine,
                            message: "expected \(count) fields (as in the header), found \(fields.count)")
        }
    }
}
