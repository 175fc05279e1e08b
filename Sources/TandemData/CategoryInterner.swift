import TandemTensor

/// The categorical cells of one CSV column while it is read: each distinct raw cell (its bytes
/// as they stand in the file) is stored once, with its text as a category (`ColumnTyping.category`:
/// trimmed, nil for a missing token), and each row keeps only the index of its raw cell. So a
/// column of a hundred categories over millions of rows makes a hundred `String`s, not millions.
///
/// An open-addressing hash table over the raw bytes (FNV-1a), grown at half full.
struct CategoryInterner {
    /// The distinct raw cells, back to back; `offsets[k]..<offsets[k + 1]` is cell `k`.
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    /// The category of each distinct raw cell.
    private(set) var values: [String?] = []
    /// Slot -> distinct cell index + 1 (0: empty). A power of two long.
    private var slots = [Int32](repeating: 0, count: 64)
    /// The distinct cell index of every row appended so far.
    private(set) var rows: [Int32] = []

    /// Appends a row whose cell is `raw` (plain bytes: not an escaped quoted field).
    mutating func append(raw: UnsafeBufferPointer<UInt8>) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in raw { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let k = Int(slots[s]) - 1
            if k < 0 { break }
            if equal(k, raw) { rows.append(Int32(k)); return }
            s = (s + 1) & mask
        }
        let k = values.count
        arena.append(contentsOf: raw)
        offsets.append(arena.count)
        values.append(ColumnTyping.category(String(decoding: raw, as: UTF8.self)))
        slots[s] = Int32(k + 1)
        rows.append(Int32(k))
        if values.count * 2 > slots.count { grow() }
    }

    /// Makes room for `rows` rows in all.
    mutating func reserve(_ rows: Int) {
        var room = [Int32](hugeCapacity: rows)
        room.append(contentsOf: self.rows)
        self.rows = room
    }

    /// Appends a row whose cell text is `text` (an escaped quoted field, already unescaped).
    mutating func append(text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { append(raw: UnsafeBufferPointer($0)) }
    }

    /// The category of every row appended, in order.
    func cells() -> [String?] {
        [String?](hugeUninitializedCapacity: rows.count) { out, n in
            for (i, k) in rows.enumerated() { out.initializeElement(at: i, to: values[Int(k)]) }
            n = rows.count
        }
    }

    /// Whether distinct cell `k` is `raw`.
    private func equal(_ k: Int, _ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[k], end = offsets[k + 1]
        guard end - start == raw.count else { return false }
        for i in 0..<raw.count where arena[start + i] != raw[i] { return false }
        return true
    }

    /// Doubles the slot table and re-inserts every distinct cell.
    private mutating func grow() {
        let old = values.count
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for k in 0..<old {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for i in offsets[k]..<offsets[k + 1] { hash = (hash ^ UInt64(arena[i])) &* 0x100_0000_01b3 }
            var s = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = Int32(k + 1)
        }
    }
}
