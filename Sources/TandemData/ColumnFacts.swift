/// What one pass over a column tells about it: its kind, how many cells are missing, how many
/// distinct values it has, whether it looks like a row identifier, and (for a text column) how
/// many cells are numbers and the first that is not. The ingestion checks (ID columns, the
/// category cap, mostly-numeric columns, the memory estimate) work from these facts alone, so
/// they can be computed per byte range and merged.
public struct ColumnFacts: Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind
    /// Cells that are missing (NaN or a missing token).
    public var missing: Int
    /// Distinct non-missing values.
    public var distinct: Int
    /// The distinct values, sorted, when there are at most `levelLimit` (text columns); else empty.
    public var levels: [String]
    /// Text columns: non-missing cells that read as numbers.
    public var numberCells: Int
    /// Text columns: the first non-missing cell that is not a number, with its row.
    public var firstText: (row: Int, text: String)?
    /// Numeric columns: every value is a distinct integer and together they are consecutive
    /// (a row number or a sequential ID).
    public var integerSequence: Bool

    /// How many levels `levels` lists at most.
    public static let levelLimit = 20

    public static func == (a: ColumnFacts, b: ColumnFacts) -> Bool {
        a.name == b.name && a.kind == b.kind && a.missing == b.missing && a.distinct == b.distinct && a.levels == b.levels
            && a.numberCells == b.numberCells && a.firstText?.row == b.firstText?.row && a.firstText?.text == b.firstText?.text
            && a.integerSequence == b.integerSequence
    }

    /// Non-missing cells.
    public func present(rows: Int) -> Int { rows - missing }

    /// Whether the column looks like a row identifier: at least `minimumRows` present values,
    /// all distinct text (none of it numbers), or a consecutive integer sequence.
    public func isIDLike(rows: Int, minimumRows: Int = 20) -> Bool {
        let n = present(rows: rows)
        guard n >= minimumRows, missing == 0 else { return false }
        switch kind {
        case .categorical: return distinct == n && numberCells == 0
        case .numeric: return integerSequence
        }
    }

    /// The facts of column `index` of `table`.
    public static func of(_ table: Table, column index: Int) -> ColumnFacts {
        let name = table.names[index]
        switch table.columns[index] {
        case .numeric(let values):
            var missing = 0
            var seen = Set<Double>()
            var allIntegers = true
            var low = Double.infinity, high = -Double.infinity
            for v in values {
                if v.isNaN { missing += 1; continue }
                seen.insert(v)
                if v != v.rounded() || !v.isFinite { allIntegers = false }
                low = min(low, v)
                high = max(high, v)
            }
            let n = values.count - missing
            let sequence = allIntegers && n > 1 && seen.count == n && high - low + 1 == Double(n)
            return ColumnFacts(name: name, kind: .numeric, missing: missing, distinct: seen.count, levels: [],
                               numberCells: n, firstText: nil, integerSequence: sequence)
        case .categorical(let cells):
            var missing = 0, numbers = 0
            var seen = Set<String>()
            var first: (row: Int, text: String)?
            for (r, cell) in cells.enumerated() {
                guard let cell else { missing += 1; continue }
                seen.insert(cell)
                if CellText.number(cell) != nil { numbers += 1 } else if first == nil { first = (r, cell) }
            }
            return ColumnFacts(name: name, kind: .categorical, missing: missing, distinct: seen.count,
                               levels: seen.count <= levelLimit ? seen.sorted() : [], numberCells: numbers,
                               firstText: first, integerSequence: false)
        }
    }

    /// The facts of every column of `table`, in column order.
    public static func of(_ table: Table) -> [ColumnFacts] {
        table.names.indices.map { of(table, column: $0) }
    }
}
