import TandemTensor

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

    /// Facts with every field given (e.g. as another rank computed them).
    public init(name: String, kind: ColumnKind, missing: Int, distinct: Int, levels: [String], numberCells: Int,
                firstText: (row: Int, text: String)?, integerSequence: Bool) {
        self.name = name
        self.kind = kind
        self.missing = missing
        self.distinct = distinct
        self.levels = levels
        self.numberCells = numberCells
        self.firstText = firstText
        self.integerSequence = integerSequence
    }

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
            var seen = DistinctDoubles()
            var allIntegers = true
            var low = Double.infinity, high = -Double.infinity
            for v in values {
                if v.isNaN { missing += 1; continue }
                seen.insert(v)
                if allIntegers && (v != v.rounded() || !v.isFinite) { allIntegers = false }
                low = min(low, v)
                high = max(high, v)
            }
            let n = values.count - missing
            let sequence = allIntegers && n > 1 && seen.count == n && high - low + 1 == Double(n)
            return ColumnFacts(name: name, kind: .numeric, missing: missing, distinct: seen.count, levels: [],
                               numberCells: n, firstText: nil, integerSequence: sequence)
        case .categorical(let cells):
            // One code per cell; whether a value reads as a number is decided once per distinct value.
            let coded = CellCodes(cells)
            let counts = coded.counts
            let number = coded.values.map { CellText.number($0) != nil }
            var first: (row: Int, text: String)?
            if number.contains(false), let r = coded.codes.firstIndex(where: { $0 >= 0 && !number[Int($0)] }) {
                first = (r, coded.values[Int(coded.codes[r])])
            }
            let numbers = counts.indices.reduce(0) { $0 + (number[$1] ? counts[$1] : 0) }
            return ColumnFacts(name: name, kind: .categorical, missing: cells.count - counts.reduce(0, +), distinct: coded.values.count,
                               levels: coded.values.count <= levelLimit ? coded.values.sorted() : [], numberCells: numbers,
                               firstText: first, integerSequence: false)
        }
    }

    /// The facts of every column of `table`, in column order.
    public static func of(_ table: Table) -> [ColumnFacts] {
        table.names.indices.map { of(table, column: $0) }
    }
}

/// A set of doubles counted the way `Set<Double>` counts them (`0.0` and `-0.0` are one value;
/// no NaN is inserted), as an open-addressing hash table of bit patterns: no per-value hashing
/// by `Hasher`, which made the numeric column facts the slowest part of ingestion.
struct DistinctDoubles {
    /// Bit patterns, 0 for an empty slot (zero itself is tracked by `hasZero`). A power of two long.
    private var slots = [UInt64](repeating: 0, count: 1024)
    private var stored = 0
    private var hasZero = false

    /// The number of distinct values inserted.
    var count: Int { stored + (hasZero ? 1 : 0) }

    /// Inserts `x` (not NaN).
    mutating func insert(_ x: Double) {
        if x == 0 { hasZero = true; return }
        if slots.withUnsafeMutableBufferPointer({ Self.put(x.bitPattern, into: $0) }) {
            stored += 1
            if stored * 2 > slots.count { grow() }
        }
    }

    /// Puts `bits` (non-zero) into `table` (never full); true if it was not there.
    private static func put(_ bits: UInt64, into table: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        // The top bits of a multiply of the folded pattern, so sign, exponent and every mantissa
        // bit move the slot (x and -x, or x and 2x, must not collide).
        let mask = table.count - 1
        let shift = UInt64(64 - mask.nonzeroBitCount)
        var s = Int(truncatingIfNeeded: ((bits ^ (bits >> 32)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let v = table[s]
            if v == bits { return false }
            if v == 0 { table[s] = bits; return true }
            s = (s + 1) & mask
        }
    }

    private mutating func grow() {
        var bigger = [UInt64](hugeRepeating: 0, count: slots.count * 2)
        bigger.withUnsafeMutableBufferPointer { table in for v in slots where v != 0 { _ = Self.put(v, into: table) } }
        slots = bigger
    }
}
