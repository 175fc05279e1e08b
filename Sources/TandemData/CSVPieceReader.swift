import TandemTensor

/// Reads one rank's piece of a CSV file (`CSVRangeSplit.Piece`) in the two passes of
/// `Table(streaming:)`, with the column kinds agreed between the ranks in between: `typing`
/// checks every record's field count and types each column over the piece, `shard` stores the
/// piece's rows once the kinds of the whole file are known. Every error names the file's real
/// line, as reading the whole file in one process would.
public struct CSVPieceReader {
    /// The whole file (kept alive by the caller while the reader is used).
    public let file: UnsafeBufferPointer<UInt8>
    /// The file name used in errors.
    public let path: String
    /// This reader's piece.
    public let piece: CSVRangeSplit.Piece
    /// Column names (`header(of:path:kinds:)`).
    public let header: [String]
    /// Forced column kinds by name (`data.columns`).
    public let kinds: [String: ColumnKind]

    public init(file: UnsafeBufferPointer<UInt8>, path: String, piece: CSVRangeSplit.Piece, header: [String], kinds: [String: ColumnKind]) {
        self.file = file
        self.path = path
        self.piece = piece
        self.header = header
        self.kinds = kinds
    }

    /// The column names of `file`, read and checked as `Table(streaming:)` does (an empty file, a
    /// header without data rows, a bad name, or a forced kind for no column is a `DataError`).
    public static func header(of file: UnsafeBufferPointer<UInt8>, path: String, kinds: [String: ColumnKind]) throws -> [String] {
        var scanner = CSVRecordScanner(bytes: file, file: path)
        let header = try scanner.readHeader()
        try Table.checkKinds(kinds, names: header, file: path)
        return header
    }

    /// Pass 1: whether each column is numeric over this piece (every cell a number or missing,
    /// unless forced), and the piece's row count. Throws `DataError` at the first bad record.
    public func typing() throws -> (numeric: [Bool], rows: Int) {
        try reading { scanner, offset in
            var typing = header.map { ColumnTyping(name: $0, forced: kinds[$0], file: path) }
            var rows = 0
            while try scanner.next() {
                try scanner.requireFieldCount(header.count)
                rows += 1
                for c in typing.indices where typing[c].numeric {
                    try typing[c].observe(ColumnCollector.number(scanner, c), text: scanner.text(c), line: scanner.recordLine + offset)
                }
            }
            return (typing.map(\.numeric), rows)
        }
    }

    /// What `parse` read of the piece: each column typed over the piece and stored as it was
    /// read (numbers while the column is numeric, interned text from the row where it is not).
    public struct Parsed {
        /// Whether each column is numeric over this piece (as `typing` says).
        public var numeric: [Bool]
        /// The piece's row count.
        public var rows: Int { lines.count }
        /// Per column: a number too large for a double was read while the column was numeric.
        var overflowed: [Bool]
        var numbers: [[Double]]
        var categories: [CategoryInterner?]
        /// The row where each text column began to be interned (0: from the first row).
        var firstInterned: [Int]
        var lines: [Int]

        /// Nothing read.
        public init() { self.init(numeric: [], overflowed: [], numbers: [], categories: [], firstInterned: [], lines: []) }

        init(numeric: [Bool], overflowed: [Bool], numbers: [[Double]], categories: [CategoryInterner?], firstInterned: [Int], lines: [Int]) {
            self.numeric = numeric
            self.overflowed = overflowed
            self.numbers = numbers
            self.categories = categories
            self.firstInterned = firstInterned
            self.lines = lines
        }
    }

    /// Passes 1 and 2 in one pass over the piece, as `Table(streaming:)` reads a whole file:
    /// every record's field count is checked and each column typed (the same errors as
    /// `typing`), and the cells are stored as they are read. `shard(_:numeric:)` then gives the
    /// piece's rows with the kinds of the whole file, without reading the piece again unless a
    /// column numeric here is text elsewhere (or holds a number that overflows).
    public func parse() throws -> Parsed {
        try reading { scanner, offset in
            var collector = ColumnCollector(header: header, kinds: kinds, file: path)
            while try scanner.next() { try collector.append(scanner, lineOffset: offset, totalBytes: piece.bytes.count) }
            return Parsed(numeric: collector.typing.map(\.numeric), overflowed: collector.typing.map(\.hasOverflow),
                          numbers: collector.numbers, categories: collector.categories, firstInterned: collector.firstInterned,
                          lines: collector.lines)
        }
    }

    /// The piece's rows of `parsed` with the kinds of the whole file (`numeric[c]` for column
    /// `c`), as `shard(numeric:)` gives them: from what `parse` stored when every column has
    /// here the kind of the whole file, read from the first row if text, and without an
    /// overflowing number; else (rare) by reading the piece again with `shard(numeric:)`, which
    /// also throws the overflow's error. Text columns are kept as codes into their values.
    /// Consumes `parsed`.
    public func shard(_ parsed: inout Parsed, numeric: [Bool]) throws -> TableShard {
        let direct = numeric.count == parsed.numeric.count && numeric.indices.allSatisfy { c in
            parsed.numeric[c] == numeric[c] && (numeric[c] ? !parsed.overflowed[c] : parsed.firstInterned[c] == 0)
        }
        guard direct else {
            parsed = Parsed()
            return try shard(numeric: numeric)
        }
        var columns: [ShardColumn] = []
        for c in numeric.indices {
            if numeric[c] {
                columns.append(.numeric(parsed.numbers[c]))
                parsed.numbers[c] = []
            } else {
                let interner = parsed.categories[c] ?? CategoryInterner()
                parsed.categories[c] = nil
                columns.append(.coded(codes: interner.rows, values: interner.values))
            }
        }
        let lines = parsed.lines
        parsed.lines = []
        return TableShard(coded: columns, lines: lines)
    }

    /// Pass 2: the piece's rows with the kinds of the whole file (`numeric[c]` for column `c`):
    /// numbers as doubles (NaN missing), text trimmed (nil missing), and each row's line. A
    /// number that overflows a double in a numeric column is a `DataError` naming its line.
    public func shard(numeric: [Bool]) throws -> TableShard {
        try reading { scanner, offset in
            var numbers: [[Double]] = numeric.map { _ in [] }
            var texts: [[String?]] = numeric.map { _ in [] }
            var lines: [Int] = []
            while try scanner.next() {
                try scanner.requireFieldCount(header.count)
                lines.append(scanner.recordLine + offset)
                for c in numeric.indices {
                    if numeric[c] {
                        let x = ColumnCollector.number(scanner, c) ?? .nan
                        // A number that overflows a double (`1e400`) in a numeric column: as `ColumnTyping.requireNoOverflow`.
                        if x.isInfinite, ColumnTyping.overflows(trimmedCell(scanner.text(c))) {
                            throw DataError(file: path, line: scanner.recordLine + offset, column: header[c],
                                            message: ColumnTyping.overflowMessage(scanner.text(c)))
                        }
                        numbers[c].append(x)
                    } else {
                        texts[c].append(ColumnTyping.category(scanner.text(c)))
                    }
                }
            }
            let columns: [ColumnValues] = numeric.indices.map { numeric[$0] ? .numeric(numbers[$0]) : .categorical(texts[$0]) }
            return TableShard(columns: columns, lines: lines)
        }
    }

    /// Runs `body` over a scanner of the piece (past the header in the first piece) with the
    /// line offset to add. A `DataError` from a later piece is found again over a copy of the
    /// piece behind `lineOffset` blank lines, so that its message (which may name further
    /// lines) counts lines as the whole file does.
    private func reading<T>(_ body: (inout CSVRecordScanner, Int) throws -> T) throws -> T {
        let bytes = UnsafeBufferPointer(rebasing: file[piece.bytes])
        var scanner = CSVRecordScanner(bytes: bytes, file: path)
        if piece.bytes.lowerBound == 0, !piece.bytes.isEmpty { _ = try scanner.next() }
        do {
            return try body(&scanner, piece.lineOffset)
        } catch let error as DataError where piece.lineOffset > 0 {
            var padded = [UInt8](repeating: 0x0A, count: piece.lineOffset)
            padded.append(contentsOf: bytes)
            try padded.withUnsafeBufferPointer { p in
                var again = CSVRecordScanner(bytes: p, file: path)
                _ = try body(&again, 0)
            }
            var shifted = error
            shifted.line = error.line.map { $0 + piece.lineOffset }
            throw shifted
        }
    }
}
