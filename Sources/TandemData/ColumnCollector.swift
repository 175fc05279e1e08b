/// CSV records stored by column in one pass while each column is typed (`ColumnTyping`): numbers
/// as doubles while a column stays numeric, and its cells interned as categories
/// (`CategoryInterner`) from the row where it turns out not to be, with each record's line.
/// `Table(streaming:)` reads a whole buffer with it and `CSVPieceReader.parse` one rank's piece.
struct ColumnCollector {
    /// Each column's kind so far (with any overflow seen while it was numeric).
    private(set) var typing: [ColumnTyping]
    /// Per column: its numbers while it is numeric, else empty.
    private(set) var numbers: [[Double]]
    /// Per column: its interned cells once it is not numeric, else nil.
    private(set) var categories: [CategoryInterner?]
    /// The row where each text column began to be interned (0: from the first row). Cells before
    /// it were read as numbers and are not in `categories`.
    private(set) var firstInterned: [Int]
    /// Each stored record's line in the file.
    private(set) var lines: [Int] = []

    /// Nothing stored yet; columns forced by `kinds` (by name) are typed as forced.
    init(header: [String], kinds: [String: ColumnKind], file: String) {
        typing = header.map { ColumnTyping(name: $0, forced: kinds[$0], file: file) }
        numbers = Array(repeating: [], count: header.count)
        categories = typing.map { $0.numeric ? nil : CategoryInterner() }
        firstInterned = Array(repeating: 0, count: header.count)
    }

    /// Checks the field count of the scanner's record and stores it as line
    /// `scanner.recordLine + lineOffset`. Throws `DataError` for a wrong field count or a cell
    /// that cannot be in its forced kind. After 64 records, reserves room for the rows that all
    /// `totalBytes` of the input likely hold, judging by the bytes those 64 took.
    mutating func append(_ scanner: CSVRecordScanner, lineOffset: Int, totalBytes: Int) throws {
        try scanner.requireFieldCount(typing.count)
        let row = lines.count
        lines.append(scanner.recordLine + lineOffset)
        if row == 64 { reserve(Int(Double(totalBytes) / Double(max(scanner.position, 1)) * 64 * 1.05) + 16) }
        for c in typing.indices {
            if typing[c].numeric {
                if let x = Self.number(scanner, c) {
                    // An infinite number may be an overflow (`1e400`): an error if the column stays numeric.
                    if x.isInfinite { try typing[c].observe(x, text: scanner.text(c), line: scanner.recordLine + lineOffset) }
                    numbers[c].append(x)
                    continue
                }
                try typing[c].observe(nil, text: scanner.text(c), line: scanner.recordLine + lineOffset)
                numbers[c] = []
                categories[c] = CategoryInterner()
                firstInterned[c] = row
            }
            if let raw = scanner.plainBytes(c) { categories[c]?.append(raw: raw) } else { categories[c]?.append(text: scanner.text(c)) }
        }
    }

    /// Room for `rows` rows in `lines` and in every column (huge-page advised, `reserved`).
    private mutating func reserve(_ rows: Int) {
        lines = Self.reserved(lines, rows)
        for c in typing.indices {
            if typing[c].numeric { numbers[c] = Self.reserved(numbers[c], rows) } else { categories[c]?.reserve(rows) }
        }
    }

    /// Field `c` of the scanner's record as a number (`CellText.number`), or nil.
    static func number(_ scanner: CSVRecordScanner, _ c: Int) -> Double? {
        if let b = scanner.plainBytes(c) { return CellText.number(bytes: b) }
        return CellText.number(scanner.text(c))
    }

    /// `values` in an array with room for `capacity` elements, advised for huge pages
    /// (`HugePages`) before the rows are appended.
    static func reserved<T>(_ values: [T], _ capacity: Int) -> [T] {
        var room = [T](hugeCapacity: Swift.max(capacity, values.count))
        room.append(contentsOf: values)
        return room
    }
}
