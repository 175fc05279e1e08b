import Foundation
import TandemComm
import TandemData

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
    /// else a rank. Columns go in file order to the rank with the least work so far (a text
    /// column counts as `textCost` numeric ones); rank 0, which also assembles and writes the
    /// dataset, and the last rank, which also hashes the source, start with `extraCost` each.
    static func owners(header: [String], numeric: [Bool], target: String, ranks: Int) -> [Int] {
        var load = [Int](repeating: 0, count: ranks)
        if ranks > 1 {
            load[0] += extraCost
            load[ranks - 1] += extraCost
        }
        return header.indices.map { c in
            if header[c] == target { return -1 }
            // The least loaded rank; among equals the highest (rank 0 has more to do later).
            let r = load.indices.reversed().min { load[$0] < load[$1] } ?? 0
            load[r] += numeric[c] ? 1 : textCost
            return r
        }
    }

    /// How many numeric columns a text column's work is worth (interning, dictionary, codes).
    static let textCost = 3
    /// The numeric columns' worth of rank 0's assembling and the last rank's hashing.
    static let extraCost = 1

    /// Gives each rank every row of its columns (and of the target): each rank sends the other
    /// ranks its rows of their columns, then reads the pieces in rank order. Returns the table of
    /// the rank's columns (in file order, the target among them) over all rows, with every row's
    /// line. Throws on every rank the first error (a damaged piece).
    static func redistribute(_ shard: inout TableShard, header: [String], owners: [Int], path: String,
                             comm: Communicator) throws -> Table {
        func columns(of rank: Int) -> [Int] { header.indices.filter { owners[$0] == rank || owners[$0] < 0 } }
        var outgoing = (0..<comm.size).map { d in
            d == comm.rank ? [] : TableShard(coded: columns(of: d).map { shard.columns[$0] }, lines: shard.lines).bytes
        }
        let own = TableShard(coded: columns(of: comm.rank).map { shard.columns[$0] }, lines: shard.lines)
        shard = TableShard(coded: [], lines: [])
        var received = [[UInt8]](repeating: [], count: comm.size)
        // One ordered pair at a time: a blocking send of a large message waits for its receive.
        for d in 0..<comm.size {
            for s in 0..<comm.size where s != d {
                if comm.rank == s {
                    try sendChunked(outgoing[d], to: d, tag: columnTag, comm: comm)
                    outgoing[d] = []
                }
                if comm.rank == d { received[s] = try receiveChunked(from: s, tag: columnTag, comm: comm) }
            }
        }
        var pieces: [TableShard] = []
        _ = try exchange(comm, Result {
            for s in 0..<comm.size {
                pieces.append(s == comm.rank ? own : try TableShard(bytes: received[s], source: path))
                received[s] = []
            }
            return []
        })
        let mine = columns(of: comm.rank)
        return Table(file: path, names: mine.map { header[$0] }, shards: pieces)
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
