import Foundation

/// One column of a `TableShard`: numbers, or text cells as codes into a small list of values.
public enum ShardColumn: Sendable, Equatable {
    /// One number per row; `.nan` marks a missing cell.
    case numeric([Double])
    /// Text: each row's index into `values` (the distinct cells as read, so a value may repeat;
    /// nil marks a missing cell). A column of a hundred categories sends a hundred strings.
    case coded(codes: [Int32], values: [String?])

    /// The column of `values`: text interned into codes.
    public init(_ values: ColumnValues) {
        switch values {
        case .numeric(let v):
            self = .numeric(v)
        case .categorical(let cells):
            var index: [String: Int32] = [:]
            var values: [String?] = [nil]
            let codes = cells.map { cell -> Int32 in
                guard let cell else { return 0 }
                if let k = index[cell] { return k }
                let k = Int32(values.count)
                index[cell] = k
                values.append(cell)
                return k
            }
            self = .coded(codes: codes, values: values)
        }
    }

    /// Number of rows.
    public var count: Int {
        switch self {
        case .numeric(let v): v.count
        case .coded(let codes, _): codes.count
        }
    }

    /// The cells as a table column.
    public var cells: ColumnValues {
        switch self {
        case .numeric(let v): .numeric(v)
        case .coded(let codes, let values): .categorical(codes.map { values[Int($0)] })
        }
    }
}

/// Consecutive rows of a table (one rank's piece of a CSV file): typed columns and each row's
/// line in the file, with a byte encoding to send it to another rank.
public struct TableShard: Sendable, Equatable {
    /// One entry per column of the file, each with `lines.count` cells.
    public var columns: [ShardColumn]
    /// The file's line where each row starts.
    public var lines: [Int]

    public init(columns: [ColumnValues], lines: [Int]) {
        self.init(coded: columns.map(ShardColumn.init), lines: lines)
    }

    public init(coded columns: [ShardColumn], lines: [Int]) {
        self.columns = columns
        self.lines = lines
    }

    /// Number of rows.
    public var rows: Int { lines.count }

    /// The shard as bytes: row and column counts, then per column its kind and cells (numbers as
    /// float64; text as the count of values, each value as an int32 byte length, -1 for
    /// missing, and its UTF-8 bytes, then one int32 code per row), then the lines as int64.
    /// Little-endian (the hosts' order, as the prepared format).
    public var bytes: [UInt8] {
        var size = 16 + rows * 8
        for column in columns {
            switch column {
            case .numeric(let v): size += 1 + v.count * 8
            case .coded(let codes, let values): size += 9 + codes.count * 4 + values.reduce(0) { $0 + 4 + ($1?.utf8.count ?? 0) }
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        func put<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt64(rows))
        put(UInt64(columns.count))
        for column in columns {
            switch column {
            case .numeric(let v):
                out.append(0)
                v.withUnsafeBytes { out.append(contentsOf: $0) }
            case .coded(let codes, let values):
                out.append(2)
                put(UInt64(values.count))
                for value in values {
                    guard let value else { put(Int32(-1)); continue }
                    put(Int32(value.utf8.count))
                    out.append(contentsOf: value.utf8)
                }
                codes.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        lines.withUnsafeBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Decodes `bytes` (as written by `bytes`); throws `DataError` naming `source` when they are
    /// not a shard (cut short, too long, or a code outside its values).
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
        var columns: [ShardColumn] = []
        for _ in 0..<width {
            switch try get(UInt8.self) {
            case 0:
                columns.append(.numeric(try array(Double.self, rows)))
            case 2:
                let count = Int(try get(UInt64.self))
                guard count <= bytes.count else { throw fail() }
                var values = [String?]()
                values.reserveCapacity(count)
                for _ in 0..<count {
                    let n = Int(try get(Int32.self))
                    if n < 0 { values.append(nil); continue }
                    guard at + n <= bytes.count else { throw fail() }
                    values.append(String(decoding: bytes[at..<(at + n)], as: UTF8.self))
                    at += n
                }
                let codes = try array(Int32.self, rows)
                guard codes.allSatisfy({ $0 >= 0 && Int($0) < count }) else { throw fail() }
                columns.append(.coded(codes: codes, values: values))
            default:
                throw fail()
            }
        }
        let lines = try array(Int.self, rows)
        guard at == bytes.count else { throw fail() }
        self.init(coded: columns, lines: lines)
    }
}

extension Table {
    /// The table of `shards` in order (consecutive pieces of `file`, all with `names.count`
    /// columns of the same kinds). Text cells are decoded once, into the whole column.
    public init(file: String, names: [String], shards: [TableShard]) {
        let total = shards.reduce(0) { $0 + $1.rows }
        let columns: [ColumnValues] = names.indices.map { c in
            switch shards.first?.columns[c] ?? .numeric([]) {
            case .numeric:
                var all: [Double] = []
                all.reserveCapacity(total)
                for s in shards { if case .numeric(let v) = s.columns[c] { all += v } }
                return .numeric(all)
            case .coded:
                var all: [String?] = []
                all.reserveCapacity(total)
                for s in shards {
                    if case .coded(let codes, let values) = s.columns[c] {
                        values.withUnsafeBufferPointer { v in for k in codes { all.append(v[Int(k)]) } }
                    }
                }
                return .categorical(all)
            }
        }
        var lines: [Int] = []
        lines.reserveCapacity(total)
        for s in shards { lines += s.lines }
        self.init(file: file, names: names, columns: columns, lineNumbers: lines)
    }
}
