import Foundation
import TandemComm
import TandemData
import TandemTensor

/// The columns of a parallel preparation: which rank fits and stores which column, and the
/// exchange that gives each rank every row of its columns.
///
/// After parsing, each rank holds its byte range's rows of every column. The fitting (column
/// facts, imputation and scaling, drift histograms, stored codes) works on whole columns, so the
/// ranks trade pieces: each column goes to one rank (its owner), which then holds every row of
/// it and runs on it exactly the code one process runs. The statistics are therefore those of one
/// process bit for bit, with no second (merged) implementation of any fit. The target column
/// and each row's line go to every rank (each computes the same split from them).
extension ParallelPreparation {
    /// Message tag of the column pieces the ranks trade.
    static let columnTag = 7312

    /// The owner of every column of `header`, by position: -1 for `target` (held by every rank),
    /// else a rank. Costliest first (text columns, each worth `textCost` numeric ones, then the
    /// numeric ones, each in file order), every column goes to the rank with the least work so
    /// far, the highest among equals; rank 0, which also assembles and writes the dataset, and
    /// the last rank, which also hashes the source, start with `extraCost` each. (In file order
    /// a text column near the end went to a rank already holding its share of numeric columns:
    /// at 1 GiB the last rank did 1.2x rank 0's work.)
    static func owners(header: [String], numeric: [Bool], target: String, ranks: Int) -> [Int] {
        var load = [Int](repeating: 0, count: ranks)
        if ranks > 1 {
            load[0] += extraCost
            load[ranks - 1] += extraCost
        }
        var owners = [Int](repeating: -1, count: header.count)
        let order = header.indices.filter { !numeric[$0] } + header.indices.filter { numeric[$0] }
        for c in order where header[c] != target {
            let r = load.indices.reversed().min { load[$0] < load[$1] } ?? 0
            load[r] += numeric[c] ? 1 : textCost
            owners[c] = r
        }
        return owners
    }

    /// How many numeric columns a text column's work is worth (interning, dictionary, codes,
    /// category counts). About 4.4 by a per-rank profile at 256 MiB while every step hashed each
    /// cell; since cells are coded once (`CellCodes`), 1 GiB on 2 ranks with it at 4 gave the
    /// text column's rank (text and 4 numeric columns) 15.51 s of CPU against 17.66 s for the
    /// other's 8 numeric ones, whose fit, drift and store took about 1.08 s each: about 2.
    static let textCost = 2
    /// The numeric columns' worth of rank 0's assembling and the last rank's hashing.
    static let extraCost = 1

    /// Gives each rank every row of its columns (and of the target): each rank sends the other
    /// ranks its rows of their columns, each column straight from its array, and each rank
    /// receives every piece straight into its place in the whole column (`rows`: every rank's
    /// row count, in rank order); a column's piece is dropped once its owner has it. Returns the
    /// table of the rank's columns (in file order, the target among them) over all rows, with
    /// every row's line. Throws on every rank the first error (a damaged piece).
    ///
    /// Per piece: a `TableShard` without rows giving the kinds and the text columns' values,
    /// then each column's cells (float64, or int32 codes into those values), then the first
    /// row's line (int64) if the rows' lines are consecutive, else -1 and every row's line
    /// (int64), the cells and lines in messages of at most `chunkBytes`. (Encoding whole pieces
    /// as bytes, decoding them and joining them copied every cell three more times.)
    static func redistribute(_ shard: inout TableShard, header: [String], owners: [Int], rows: [Int], path: String,
                             comm: Communicator, phases: PreparationPhases) throws -> Table {
        func columns(of rank: Int) -> [Int] { header.indices.filter { owners[$0] == rank || owners[$0] < 0 } }
        let mine = columns(of: comm.rank)
        let total = rows.reduce(0, +)
        let start = rows.indices.map { r in rows[..<r].reduce(0, +) }
        guard rows.count == comm.size, rows[comm.rank] == shard.rows, shard.columns.count == header.count else {
            throw PreparedDataError(.damagedMessage(what: "the ranks' row counts", path: path, detail: nil))
        }
        // This rank's columns over all rows: numbers in place; text cells decoded piece by piece.
        var numbers: [Int: [Double]] = [:]
        var texts: [Int: [String?]] = [:]
        var lines = [Int](hugeUninitializedCapacity: total) { _, n in n = total }
        var damage: [String] = []
        /// Puts `codes` of a text piece into column `c` from row `at`, if they are valid indices into `values`.
        func decode(_ codes: UnsafeBufferPointer<Int32>, values: [String?], column c: Int, at: Int) -> Bool {
            guard codes.allSatisfy({ $0 >= 0 && Int($0) < values.count }) else { return false }
            texts[c]?.withUnsafeMutableBufferPointer { out in
                values.withUnsafeBufferPointer { v in for (i, k) in codes.enumerated() { out[at + i] = v[Int(k)] } }
            }
            return true
        }
        // The own piece first: each whole column is made, the piece's rows copied into it and
        // its own columns dropped one by one (not every whole column made before any is dropped).
        let own = start[comm.rank]
        for c in mine {
            if case .numeric = shard.columns[c] {
                numbers[c] = [Double](hugeUninitializedCapacity: total) { _, n in n = total }
            } else {
                texts[c] = [String?](hugeRepeating: nil, count: total)
            }
            switch shard.columns[c] {
            case .numeric(let v):
                numbers[c]?.withUnsafeMutableBufferPointer { out in v.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(rebasing: out[own..<(own + v.count)]).update(fromContentsOf: $0) } }
            case .coded(let codes, let values):
                _ = codes.withUnsafeBufferPointer { decode($0, values: values, column: c, at: own) }
            }
            if owners[c] >= 0 { shard.columns[c] = .numeric([]) }
        }
        lines.withUnsafeMutableBufferPointer { out in shard.lines.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(rebasing: out[own..<(own + $0.count)]).update(fromContentsOf: $0) } }
        let consecutive = shard.lines.withUnsafeBufferPointer { l in l.indices.allSatisfy { l[$0] == l[0] + $0 } }
        // One ordered pair at a time: a blocking send of a large message waits for its receive.
        // The highest rank receives first: rank 0, which goes on to assemble the dataset, has
        // sent (and dropped) the other ranks' columns before its own arrive.
        for d in (0..<comm.size).reversed() {
            for s in 0..<comm.size where s != d {
                if comm.rank == s {
                    let sent = columns(of: d)
                    let head = TableShard(coded: sent.map { c in
                        if case .coded(_, let values) = shard.columns[c] { return .coded(codes: [], values: values) }
                        return .numeric([])
                    }, lines: [])
                    try sendChunked(head.bytes, to: d, tag: columnTag, comm: comm)
                    for c in sent {
                        switch shard.columns[c] {
                        case .numeric(let v): try v.withUnsafeBytes { try sendRaw($0, to: d, comm: comm) }
                        case .coded(let codes, _): try codes.withUnsafeBytes { try sendRaw($0, to: d, comm: comm) }
                        }
                        if owners[c] >= 0 { shard.columns[c] = .numeric([]) }
                    }
                    // Lines one after the other (no quoted line breaks, no blank lines): only the first.
                    try comm.send(bytes: integerBytes([consecutive ? Int64(shard.lines.first ?? 0) : -1]), to: d, tag: columnTag)
                    if !consecutive { try shard.lines.withUnsafeBytes { try sendRaw($0, to: d, comm: comm) } }
                }
                if comm.rank == d {
                    // The cells are received whatever the first message says, so the sender is never left blocked.
                    let head = try? TableShard(bytes: receiveChunked(from: s, tag: columnTag, comm: comm), source: path)
                    let n = rows[s], at = start[s]
                    if head?.columns.count != mine.count { damage.append("rank \(s)'s piece has \(head?.columns.count ?? 0) columns, expected \(mine.count)") }
                    for (k, c) in mine.enumerated() {
                        var whole = true
                        if numbers[c] != nil {
                            if let head, k < head.columns.count, case .coded = head.columns[k] { damage.append("rank \(s)'s column '\(header[c])' is text, expected numbers") }
                            whole = try numbers[c]?.withUnsafeMutableBytes { out in
                                try receiveRaw(into: UnsafeMutableRawBufferPointer(rebasing: out[(at * 8)..<((at + n) * 8)]), from: s, comm: comm)
                            } ?? false
                        } else {
                            var codes = [Int32](hugeRepeating: 0, count: n)
                            whole = try codes.withUnsafeMutableBytes { try receiveRaw(into: $0, from: s, comm: comm) }
                            if whole, let head, k < head.columns.count, case .coded(_, let values) = head.columns[k] {
                                whole = codes.withUnsafeBufferPointer { decode($0, values: values, column: c, at: at) }
                            } else {
                                whole = false
                            }
                        }
                        if !whole { damage.append("rank \(s)'s column '\(header[c])'") }
                    }
                    let first = integers(of: try comm.receive(from: s, tag: columnTag, pollInterval: 0.001).bytes)
                    var got = first.count == 1
                    if let line = first.first, line >= 0 {
                        lines.withUnsafeMutableBufferPointer { out in for i in 0..<n { out[at + i] = Int(line) + i } }
                    } else {
                        got = try lines.withUnsafeMutableBytes { out in
                            try receiveRaw(into: UnsafeMutableRawBufferPointer(rebasing: out[(at * 8)..<((at + n) * 8)]), from: s, comm: comm)
                        } && got
                    }
                    if !got { damage.append("rank \(s)'s lines") }
                }
            }
        }
        shard = TableShard(coded: [], lines: [])
        phases.mark("trade")
        _ = try exchange(comm, Result {
            if let first = damage.first { throw PreparedDataError(.damagedMessage(what: "the column pieces", path: path, detail: first)) }
            return []
        })
        phases.mark("trade wait")
        let columns: [ColumnValues] = mine.map { c in numbers[c].map { .numeric($0) } ?? .categorical(texts[c] ?? []) }
        return Table(file: path, names: mine.map { header[$0] }, columns: columns, lineNumbers: lines)
    }

    /// Sends `raw` to rank `destination` with `columnTag`, in messages of at most `chunkBytes`
    /// (none when empty).
    static func sendRaw(_ raw: UnsafeRawBufferPointer, to destination: Int, comm: Communicator) throws {
        var at = 0
        while at < raw.count {
            let end = min(raw.count, at + chunkBytes)
            try comm.send(raw: UnsafeRawBufferPointer(rebasing: raw[at..<end]), to: destination, tag: columnTag)
            at = end
        }
    }

    /// Receives what `sendRaw` sent from rank `source` into `buffer`, of its length; false when
    /// a message had another length (the rest is still received).
    static func receiveRaw(into buffer: UnsafeMutableRawBufferPointer, from source: Int, comm: Communicator) throws -> Bool {
        var at = 0, whole = true
        while at < buffer.count {
            let end = min(buffer.count, at + chunkBytes)
            whole = try comm.receive(into: UnsafeMutableRawBufferPointer(rebasing: buffer[at..<end]), from: source, tag: columnTag, pollInterval: 0.001) && whole
            at = end
        }
        return whole
    }

    /// The facts of every column of `header` (in its order) from the ranks' own columns of
    /// `table` (rank 0 also gives the target's).
    static func exchangedFacts(_ table: Table, header: [String], owners: [Int], comm: Communicator) throws -> [ColumnFacts] {
        let local = header.indices.filter { owners[$0] == comm.rank || (owners[$0] < 0 && comm.rank == 0) }
        let all = try exchange(comm, Result {
            let facts = try local.map { c in FactsRecord(ColumnFacts.of(table, column: try table.requireIndex(of: header[c]))) }
            return Array(try JSONEncoder().encode(facts))
        })
        var byName: [String: ColumnFacts] = [:]
        for bytes in all {
            guard let records = try? JSONDecoder().decode([FactsRecord].self, from: Data(bytes)) else {
                throw PreparedDataError(.damagedMessage(what: "the ranks' column facts", path: table.file, detail: nil))
            }
            for r in records { byName[r.name] = r.facts }
        }
        return try header.map { name in
            guard let f = byName[name] else { throw PreparedDataError(.damagedMessage(what: "the ranks' column facts", path: table.file, detail: "no rank sent column '\(name)'")) }
            return f
        }
    }

    /// `ColumnFacts` as JSON.
    struct FactsRecord: Codable {
        var name: String
        var kind: ColumnKind
        var missing: Int
        var distinct: Int
        var levels: [String]
        var numberCells: Int
        var firstTextRow: Int?
        var firstText: String?
        var integerSequence: Bool

        init(_ f: ColumnFacts) {
            name = f.name
            kind = f.kind
            missing = f.missing
            distinct = f.distinct
            levels = f.levels
            numberCells = f.numberCells
            firstTextRow = f.firstText?.row
            firstText = f.firstText?.text
            integerSequence = f.integerSequence
        }

        var facts: ColumnFacts {
            ColumnFacts(name: name, kind: kind, missing: missing, distinct: distinct, levels: levels, numberCells: numberCells,
                        firstText: firstTextRow.flatMap { row in firstText.map { (row, $0) } }, integerSequence: integerSequence)
        }
    }

    /// `parts` as one byte string: the count, then each part's length and bytes (int64 little-endian).
    static func pack(_ parts: [[UInt8]]) -> [UInt8] {
        var out = integerBytes([Int64(parts.count)])
        out.reserveCapacity(parts.reduce(8) { $0 + 8 + $1.count })
        for p in parts {
            out += integerBytes([Int64(p.count)])
            out += p
        }
        return out
    }

    /// The parts `pack` packed; nil when `bytes` are not such a string.
    static func unpack(_ bytes: [UInt8]) -> [[UInt8]]? {
        func int(at i: Int) -> Int? {
            guard i >= 0, i + 8 <= bytes.count else { return nil }
            return Int(exactly: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i, as: Int64.self) })
        }
        guard let n = int(at: 0), n >= 0, n <= bytes.count else { return nil }
        var at = 8
        var out: [[UInt8]] = []
        for _ in 0..<n {
            guard let len = int(at: at), len >= 0, at + 8 + len <= bytes.count else { return nil }
            out.append(Array(bytes[(at + 8)..<(at + 8 + len)]))
            at += 8 + len
        }
        return at == bytes.count ? out : nil
    }
}
