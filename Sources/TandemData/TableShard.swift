import Foundation

/// Consecutive rows of a table (one rank's piece of a CSV file): typed columns and each row's
/// line in the file, with a byte encoding to send it to the rank that assembles the table.
public struct TableShard: Sendable, Equatable {
    /// One entry per column of the file, each with `lines.count` cells.
    public var columns: [ColumnValues]
    /// The file's line where each row starts.
    public var lines: [Int]

    public init(columns: [ColumnValues], lines: [Int]) {
        self.columns = columns
        self.lines = lines
    }

    /// Number of rows.
    public var rows: Int { lines.count }

    /// The shard as bytes: row and column counts, then per column its kind and cells (numbers as
    /// float64; text as an int32 byte length, -1 for missing, and the UTF-8 bytes), then the lines
    /// as int64. Little-endian.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt64(rows))
        put(UInt64(columns.count))
        for column in columns {
            switch column {
            case .numeric(let v):
                out.append(0)
                v.withUnsafeBytes { out.append(contentsOf: $0) }  // little-endian hosts, as the prepared format
            case .categorical(let v):
                out.append(1)
                for cell in v {
                    guard let cell else { put(Int32(-1)); continue }
                    put(Int32(cell.utf8.count))
                    out.append(contentsOf: cell.utf8)
                }
            }
        }
        lines.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Decodes `bytes` (as written by `bytes`); throws `DataError` naming `source` when they are not a shard.
    public init(bytes: [UInt8], source: String) throws {
        var at = 0
        func fail() -> DataError { DataError(file: source, message: "a rank's rows arrived damaged (byte \(at) of \(bytes.count))") }
        func array<T>(_: T.Type, _ n: Int) throws -> [T] {
            let size = n * MemoryLayout<T>.stride
            guard at + size <= bytes.count else { throw fail() }
            let out = [T](unsafeUninitializedCapacity: n) { p, count in
                bytes.withUnsafeBytes { s in UnsafeMutableRawBufferPointer(p).copyMemory(from: UnsafeRawBufferPointer(rebasing: s[at..<(at + size)])) }
                count = n
            }
            at += size
            return out
        }
        func get<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let n = MemoryLayout<T>.size
            guard at + n <= bytes.count else { throw fail() }
            var x: T = 0
            withUnsafeMutableBytes(of: &x) { d in bytes.withUnsafeBytes { s in d.copyMemory(from: UnsafeRawBufferPointer(rebasing: s[at..<(at + n)])) } }
            at += n
            return T(littleEndian: x)
        }
        let rows = Int(try get(UInt64.self)), width = Int(try get(UInt64.self))
        guard rows <= bytes.count, width <= bytes.count else { throw fail() }
        var columns: [ColumnValues] = []
        for _ in 0..<width {
            switch try get(UInt8.self) {
            case 0:
                columns.append(.numeric(try array(Double.self, rows)))
            case 1:
                var v = [String?]()
                v.reserveCapacity(rows)
                for _ in 0..<rows {
                    let n = Int(try get(Int32.self))
                    if n < 0 { v.append(nil); continue }
                    guard at + n <= bytes.count else { throw fail() }
                    v.append(String(decoding: bytes[at..<(at + n)], as: UTF8.self))
                    at += n
                }
                columns.append(.categorical(v))
            default:
                throw fail()
            }
        }
        let lines = try array(Int.self, rows)
        guard at == bytes.count else { throw fail() }
        self.init(columns: columns, lines: lines)
    }
}

extension Table {
    /// The table of `shards` in order (consecutive pieces of `file`, all with `names.count`
    /// columns of the same kinds).
    public init(file: String, names: [String], shards: [TableShard]) {
        let columns: [ColumnValues] = names.indices.map { c in
            switch shards.first?.columns[c] ?? .numeric([]) {
            case .numeric:
                var all: [Double] = []
                all.reserveCapacity(shards.reduce(0) { $0 + $1.rows })
                for s in shards { if case .numeric(let v) = s.columns[c] { all += v } }
                return .numeric(all)
            case .categorical:
                var all: [String?] = []
                all.reserveCapacity(shards.reduce(0) { $0 + $1.rows })
                for s in shards { if case .categorical(let v) = s.columns[c] { all += v } }
                return .categorical(all)
            }
        }
        self.init(file: file, names: names, columns: columns, lineNumbers: shards.flatMap(\.lines))
    }
}
