extension Table {
    /// Types and stores the columns of CSV `bytes` (from `file`) in two passes over the records,
    /// without a `String` per numeric cell or a table of cell text: the first pass checks every
    /// record's field count and types each column (`ColumnTyping`), the second stores numbers as
    /// doubles and categorical cells as their trimmed text.
    ///
    /// Gives the same table and the same errors as `Table(csv: CSVReader.parse(...), ...)`,
    /// except that when several cells are bad, the first in file order is reported.
    public init(streaming bytes: UnsafeBufferPointer<UInt8>, file: String, kinds: [String: ColumnKind] = [:]) throws {
        var scanner = CSVRecordScanner(bytes: bytes, file: file)
        let header = try scanner.readHeader()
        try Table.checkKinds(kinds, names: header, file: file)
        let width = header.count
        var typing = header.map { ColumnTyping(name: $0, forced: kinds[$0], file: file) }
        var lines: [Int] = []
        repeat {
            try scanner.requireFieldCount(width)
            lines.append(scanner.recordLine)
            for c in 0..<width where typing[c].numeric {
                try typing[c].observe(Table.number(scanner, c), text: scanner.text(c), line: scanner.recordLine)
            }
        } while try scanner.next()
        for t in typing { try t.requireNoOverflow() }
        var numbers: [[Double]] = typing.map { $0.numeric ? [Double](repeating: .nan, count: lines.count) : [] }
        var texts: [[String?]] = typing.map { _ in [] }
        for c in 0..<width where !typing[c].numeric { texts[c].reserveCapacity(lines.count) }
        var second = CSVRecordScanner(bytes: bytes, file: file)
        _ = try second.readHeader()
        var r = 0
        repeat {
            for c in 0..<width {
                if typing[c].numeric {
                    numbers[c][r] = Table.number(second, c) ?? .nan
                } else {
                    texts[c].append(ColumnTyping.category(second.text(c)))
                }
            }
            r += 1
        } while try second.next()
        let columns: [ColumnValues] = (0..<width).map { typing[$0].numeric ? .numeric(numbers[$0]) : .categorical(texts[$0]) }
        self.init(file: file, names: header, columns: columns, lineNumbers: lines)
    }

    /// Field `c` of the scanner's record as a number (`CellText.number`), or nil.
    private static func number(_ scanner: CSVRecordScanner, _ c: Int) -> Double? {
        if let b = scanner.plainBytes(c) { return CellText.number(bytes: b) }
        return CellText.number(scanner.text(c))
    }
}
