extension Table {
    /// Types and stores the columns of CSV `bytes` (from `file`), normally in one pass over the
    /// records, without a `String` per cell or a table of cell text: every record's field count
    /// is checked and each column typed as it goes (`ColumnTyping`); numbers are stored as
    /// doubles while a column stays numeric, and a column's cells are interned as categories
    /// (`CategoryInterner`) from the row where it turns out not to be numeric. Only when some
    /// column turns categorical after its first row does a second pass re-read that column's
    /// earlier cells as text, and only up to that row.
    ///
    /// `bytes` may be any run of whole records starting with the header (a sub-buffer of a file).
    /// Gives the same table and the same errors as `Table(csv: CSVReader.parse(...), ...)`,
    /// except that when several cells are bad, the first in file order is reported.
    public init(streaming bytes: UnsafeBufferPointer<UInt8>, file: String, kinds: [String: ColumnKind] = [:]) throws {
        var scanner = CSVRecordScanner(bytes: bytes, file: file)
        let header = try scanner.readHeader()
        try Table.checkKinds(kinds, names: header, file: file)
        var collector = ColumnCollector(header: header, kinds: kinds, file: file)
        repeat {
            try collector.append(scanner, lineOffset: 0, totalBytes: bytes.count)
        } while try scanner.next()
        let width = header.count, firstInterned = collector.firstInterned
        for t in collector.typing { try t.requireNoOverflow() }
        var texts: [[String?]] = (0..<width).map { collector.categories[$0]?.cells() ?? [] }
        let late = (0..<width).filter { collector.categories[$0] != nil && firstInterned[$0] > 0 }
        if !late.isEmpty { try Self.textsBefore(firstInterned, columns: late, bytes: bytes, file: file, into: &texts) }
        let columns: [ColumnValues] = (0..<width).map {
            collector.typing[$0].numeric ? .numeric(collector.numbers[$0]) : .categorical(texts[$0])
        }
        self.init(file: file, names: header, columns: columns, lineNumbers: collector.lines)
    }

    /// Prepends to `texts[c]`, for each of `columns`, the categories of its rows before
    /// `firstInterned[c]` (cells read as numbers in the first pass), read again from `bytes`.
    private static func textsBefore(_ firstInterned: [Int], columns: [Int], bytes: UnsafeBufferPointer<UInt8>,
                                    file: String, into texts: inout [[String?]]) throws {
        var scanner = CSVRecordScanner(bytes: bytes, file: file)
        _ = try scanner.readHeader()
        let end = columns.map { firstInterned[$0] }.max() ?? 0
        var early: [Int: [String?]] = [:]
        for c in columns { early[c] = [] }
        var row = 0
        repeat {
            for c in columns where row < firstInterned[c] { early[c]?.append(ColumnTyping.category(scanner.text(c))) }
            row += 1
        } while try row < end && scanner.next()
        for c in columns { texts[c] = (early[c] ?? []) + texts[c] }
    }
}
