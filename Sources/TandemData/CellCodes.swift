/// The distinct values of a text column and a code per cell, with each cell looked up by the
/// bits of its `String` value rather than hashed by `Hasher`.
///
/// A text column's cells are interned when parsed (one `String` per distinct cell), and a short
/// string (up to 15 UTF-8 bytes) is stored inline, so equal cells nearly always have the same
/// 16 bytes. A table of those bytes (open addressing, one multiply per lookup) gives the code;
/// only a pattern not seen yet goes through a `Dictionary` of the values (equal values with
/// other bytes, e.g. two separate copies of a long string, still get one code). The column
/// facts, the categorical fit, the drift histogram and the stored codes each hashed every cell
/// once or twice with `Hasher` before (about five times per cell in all).
struct CellCodes {
    /// The distinct values, in order of first appearance.
    private(set) var values: [String] = []
    /// Per cell: an index into `values`, -1 for a missing cell.
    private(set) var codes: [Int32] = []

    /// The codes of `cells` (or of `cells[rows]`, in the order of `rows`).
    init(_ cells: [String?], rows: [Int]? = nil) {
        var table = BitsTable()
        var byValue: [String: Int32] = [:]
        let n = rows?.count ?? cells.count
        codes = [Int32](unsafeUninitializedCapacity: n) { out, count in
            cells.withUnsafeBufferPointer { all in
                for i in 0..<n {
                    let cell = all[rows?[i] ?? i]
                    guard let cell else { out[i] = -1; continue }
                    let bits = unsafeBitCast(cell, to: (UInt64, UInt64).self)
                    if let code = table.code(of: bits) { out[i] = code; continue }
                    let code: Int32
                    if let known = byValue[cell] {
                        code = known
                    } else {
                        code = Int32(values.count)
                        values.append(cell)
                        byValue[cell] = code
                    }
                    // Cells that were not interned (long strings, each its own copy) would fill the
                    // table with one pattern per cell: beyond twice the values it takes no more.
                    if table.count < 2 * values.count + 1024 { table.insert(bits, code: code) }
                    out[i] = code
                }
            }
            count = n
        }
    }

    /// Cells per code.
    var counts: [Int] {
        var out = [Int](repeating: 0, count: values.count)
        for c in codes where c >= 0 { out[Int(c)] += 1 }
        return out
    }

    /// The number of missing cells.
    var missing: Int { codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }

    /// An open-addressing table from a `String`'s 16 bytes to a code.
    private struct BitsTable {
        private var keys = [(UInt64, UInt64)](repeating: (0, 0), count: 256)
        private var slots = [Int32](repeating: -1, count: 256)
        private var stored = 0
        /// Patterns in the table.
        var count: Int { stored }

        private static func start(_ bits: (UInt64, UInt64), mask: Int) -> Int {
            let mixed = (bits.0 &* 0x9E37_79B9_7F4A_7C15) ^ (bits.1 &* 0xC2B2_AE3D_27D4_EB4F)
            return Int(truncatingIfNeeded: mixed >> 32) & mask
        }

        func code(of bits: (UInt64, UInt64)) -> Int32? {
            let mask = slots.count - 1
            var s = Self.start(bits, mask: mask)
            while slots[s] >= 0 {
                if keys[s] == bits { return slots[s] }
                s = (s + 1) & mask
            }
            return nil
        }

        /// Adds `bits` (not in the table yet) with `code`.
        mutating func insert(_ bits: (UInt64, UInt64), code: Int32) {
            if (stored + 1) * 2 > slots.count { grow() }
            let mask = slots.count - 1
            var s = Self.start(bits, mask: mask)
            while slots[s] >= 0 { s = (s + 1) & mask }
            keys[s] = bits
            slots[s] = code
            stored += 1
        }

        private mutating func grow() {
            let old = zip(keys, slots).filter { $0.1 >= 0 }
            keys = [(UInt64, UInt64)](repeating: (0, 0), count: slots.count * 2)
            slots = [Int32](repeating: -1, count: keys.count)
            stored = 0
            for (k, c) in old { insert(k, code: c) }
        }
    }
}
