import Foundation

/// One split of a prepared dataset.
public enum SplitPart: Int, CaseIterable, Sendable {
    case train = 0, validation = 1, test = 2

    /// `train`, `validation`, `test`.
    public var name: String { ["train", "validation", "test"][rawValue] }
}

/// A stored column of a prepared dataset: its record and its bytes.
public struct PreparedColumn: Sendable {
    public var record: PreparedManifest.Column
    public var buffer: ColumnBuffer
    /// Categorical: the sorted distinct values the codes index (empty for numeric).
    public var dictionary: [String]
    /// The SHA-256 of `buffer` when already known (computed by the rank that stored the column
    /// in a parallel preparation), so `write(to:)` need not hash it again; nil: hashed there.
    public var sha256: String?
    /// True when the column's file is already in the staging directory `write(to:)` writes into
    /// (`PreparedTable.writeStaged`, by the rank that stored it); `buffer` maps it, `sha256` is set.
    public var staged = false

    /// A column from its record, its bytes, (categorical) its dictionary and its bytes' SHA-256 if known.
    public init(record: PreparedManifest.Column, buffer: ColumnBuffer, dictionary: [String], sha256: String? = nil) {
        self.record = record
        self.buffer = buffer
        self.dictionary = dictionary
        self.sha256 = sha256
    }

    /// The value of `row` as a double (numeric columns; NaN = missing).
    @inlinable public func number(_ row: Int) -> Double {
        record.dtype == "f4" ? Double(buffer.typed(Float.self)[row]) : buffer.typed(Double.self)[row]
    }

    /// The code of `row` (categorical columns; -1 = missing).
    @inlinable public func code(_ row: Int) -> Int32 { buffer.typed(Int32.self)[row] }
}

/// A prepared dataset: raw columns (numeric values, categorical codes), the encoded target, each
/// row's split and source line, and extra files (the fitted statistics), either mapped from a
/// directory written by `write(to:)` or held in memory (`data.cache: off`).
///
/// Rows keep source order. Nothing here depends on the preprocessing: batches are encoded from
/// the raw columns by `BatchEncoder`, so the same dataset serves any fitted `Preprocessor`.
public final class PreparedTable: @unchecked Sendable {
    public let manifest: PreparedManifest
    /// Where it was read from (nil when in memory).
    public let directory: String?
    /// Feature columns, in `manifest.columns` order.
    public let columns: [PreparedColumn]
    /// `[rows]` Int32 class indices or Float values.
    public let target: ColumnBuffer
    /// `[rows]` Int64: the physical line of the source where each row starts.
    public let lines: ColumnBuffer
    /// `[rows]` UInt8: the `SplitPart` of each row.
    public let splitCodes: ColumnBuffer
    /// Per `SplitPart`: its rows, ascending (Int64).
    public let splitRows: [ColumnBuffer]
    /// Small extra files by name (e.g. `statistics.json`).
    public let extras: [String: Data]
    /// The temporary directory `write(to:)` writes into, when made beforehand
    /// (`makeStaging(for:token:)`) so that other ranks could write their columns into it.
    public var staging: String?
    /// Row files already written into `staging` by `writeRows(into:)`, by name (`write(to:)`
    /// takes them as they are).
    public var stagedRows: [String: PreparedManifest.FileRecord] = [:]

    init(manifest: PreparedManifest, directory: String?, columns: [PreparedColumn], target: ColumnBuffer, lines: ColumnBuffer,
         splitCodes: ColumnBuffer, splitRows: [ColumnBuffer], extras: [String: Data]) {
        self.manifest = manifest
        self.directory = directory
        self.columns = columns
        self.target = target
        self.lines = lines
        self.splitCodes = splitCodes
        self.splitRows = splitRows
        self.extras = extras
    }

    /// Number of rows.
    public var rows: Int { manifest.rows }

    /// The rows of `part`, ascending.
    public func rows(of part: SplitPart) -> UnsafeBufferPointer<Int> { splitRows[part.rawValue].typed(Int.self) }

    /// The source file name for messages (the first source).
    public var sourceName: String { manifest.sources.first?.path ?? directory ?? "prepared data" }

    /// The source line where `row` starts.
    public func line(_ row: Int) -> Int { lines.typed(Int.self)[row] }

    /// The column called `name`, or nil.
    public func column(named name: String) -> PreparedColumn? { columns.first { $0.record.name == name } }

    /// Class index of each row (classification datasets).
    public var labels: UnsafeBufferPointer<Int32> { target.typed(Int32.self) }

    /// Target value of each row (regression datasets).
    public var values: UnsafeBufferPointer<Float> { target.typed(Float.self) }

    /// Bytes in all stored files (memory for an in-memory dataset).
    public var byteCount: Int {
        columns.reduce(0) { $0 + $1.buffer.count } + target.count + lines.count + splitCodes.count + splitRows.reduce(0) { $0 + $1.count }
    }
}
