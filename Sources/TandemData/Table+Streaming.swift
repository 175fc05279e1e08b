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
        let width = header.count
        var typing = header.map { ColumnTyping(name: $0, forced: kinds[$0], file: file) }
        var lines: [Int] = []
        var numbers: [[Double]] = Array(repeating: [], count: width)
        var categories: [CategoryInterner?] = Array(repeating: nil, count: width)
        /// The row where each categorical column began to be interned.
        var firstInterned = [Int](repeating: 0, count: width)
        for c in 0..<width where !typing[c].numeric { categories[c] = CategoryInterner() }
        var row = 0
        repeat {
            try scanner.requireFieldCount(width)
            lines.append(scanner.recordLine)
            // The first 64 records' bytes per row size the columns for the whole buffer.
            if row == 64 { Self.reserve(&numbers, &lines, consumed: scanner.position, total: bytes.count, rows: row) }
            for c in 0..<width {
                if typing[c].numeric {
                    let x = Table.number(scanner, c)
                    if let x {
                        // An infinite number may be an overflow (`1e400`): an error if the column stays numeric.
                        if x.isInfinite { try typing[c].observe(x, text: scanner.text(c), line: scanner.recordLine) }
                        numbers[c].append(x)
                        continue
                    }
                    try typing[c].observe(nil, text: scanner.text(c), line: scanner.recordLine)
                    numbers[c] = []
                    categories[c] = CategoryInterner()
                    firstInterned[c] = row
                }
                if let raw = scanner.plainBytes(c) { categories[c]?.append(raw: raw) } else { categories[c]?.append(text: scanner.text(c)) }
            }
            row += 1
        } while try scanner.next()
        for t in typing { try t.requireNoOverflow() }
        var texts: [[String?]] = (0..<width).map { categories[$0]?.cells() ?? [] }
        let late = (0..<width).filter { categories[$0] != nil && firstInterned[$0] > 0 }
        if !late.isEmpty { try Self.textsBefore(firstInterned, columns: late, bytes: bytes, file: file, into: &texts) }
        let columns: [ColumnValues] = (0..<width).map { typing[$0].numeric ? .numeric(numbers[$0]) : .categorical(texts[$0]) }
        self.init(file: file, names: header, columns: columns, lineNumbers: lines)
    }

    /// Reserves room in `numbers` and `lines` for the rows the whole of `bytes` likely holds,
    /// judging by the `rows` that took `consumed` of its `total` bytes.
    private static func reserve(_ numbers: inout [[Double]], _ lines: inout [Int], consumed: Int, total: Int, rows: Int) {
        let expected = Int(Double(total) / Double(max(consumed, 1)) * Double(rows) * 1.05) + 16
        lines = CSVPieceReader.reserved(lines, expected)
        for c in numbers.indices where !numbers[c].isEmpty { numbers[c] = CSVPieceReader.reserved(numbers[c], expected) }
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

    /// Field `c` of the scanner's record as a number (`CellText.number`), or nil.
    private static func number(_ scanner: CSVRecordScanner, _ c: Int) -> Double? {
        if let b = scanner.plainBytes(c) { return CellText.number(bytes: b) }
        return CellText.number(scanner.text(c))
    }
}
