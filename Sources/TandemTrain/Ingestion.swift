import Foundation
import TandemData

/// One column of the inferred schema, with what the run does with it. Stored with a prepared
/// dataset (`statistics.json`), so a run that reuses the dataset reports the same schema.
public struct ColumnSchema: Codable, Sendable, Equatable {
    public var name: String
    /// `target`, `feature`, `excluded` (data.exclude or not in data.features) or `id` (left out
    /// because it looks like a row identifier).
    public var role: String
    public var kind: ColumnKind
    /// Missing cells (NaN or a missing token).
    public var missing: Int
    /// Distinct non-missing values.
    public var distinct: Int
    /// A text column's distinct values, sorted, when there are at most `ColumnFacts.levelLimit`.
    public var levels: [String]

    init(facts: ColumnFacts, role: String) {
        name = facts.name
        self.role = role
        kind = facts.kind
        missing = facts.missing
        distinct = facts.distinct
        levels = facts.kind == .categorical ? facts.levels : []
    }
}

/// The checks between loading a table and encoding it, working from per-column facts: the
/// `data.missing` tokens, rows with a missing target, `data.exclude`, ID-like columns, text
/// columns that are numbers but for a few cells and the category cap. (No estimate of the
/// encoded size: batches are encoded from the prepared columns as training needs them, so the
/// one-hot matrix is never held whole.)
struct Ingestion {
    var table: Table
    var features: [String]
    var schema: [ColumnSchema]
    /// What the user should know (printed by rank 0).
    var warnings: [String] = []

    /// A numeric column with at most this share of text cells is taken for a typo, not text.
    static let textShareForError = 0.1

    init(_ config: DataConfig, table loaded: Table) throws {
        try self.init(config, table: loaded, names: loaded.names, facts: { ColumnFacts.of($0) })
    }

    /// The checks on `loaded`, which holds the target column and any subset of the file's
    /// columns `names` (all rows of each): `facts` gives the facts of every column of `names`, in
    /// order, from the table after the missing tokens and dropped rows (the ranks of a parallel
    /// preparation each compute their columns' facts and exchange them).
    init(_ config: DataConfig, table loaded: Table, names: [String], facts: (Table) throws -> [ColumnFacts]) throws {
        var table = loaded.treating(asMissing: Set(config.missing), forced: config.columns)
        var notes: [String] = []
        guard names.contains(config.target) else {
            throw DataError(file: table.file, column: config.target, message: "target column not found; columns are: \(DataError.list(names))")
        }
        let target = try table.requireIndex(of: config.target, role: "target")
        for name in config.exclude where !names.contains(name) {
            throw DataError(file: table.file, column: name, message: "data.exclude names a column the file does not have; columns are: \(DataError.list(names))")
        }
        if config.dropMissingTarget, ColumnFacts.of(table, column: target).missing > 0 {
            let column = table.columns[target]
            let keep = (0..<table.rowCount).filter { column.text(at: $0) != nil }
            let dropped = table.rowCount - keep.count
            notes.append("dropped \(dropped) row\(dropped == 1 ? "" : "s") whose target '\(config.target)' is missing (data.drop_missing_target)")
            table = table.selecting(rows: keep)
        }
        let all = try facts(table)
        let rows = table.rowCount
        var roles: [String: String] = [config.target: "target"]
        for f in all where f.name != config.target {
            if let listed = config.features {
                roles[f.name] = listed.contains(f.name) ? "feature" : "excluded"
            } else if config.exclude.contains(f.name) {
                roles[f.name] = "excluded"
            } else if f.isIDLike(rows: rows) {
                roles[f.name] = "id"
                let why = f.kind == .numeric ? "a consecutive integer sequence" : "all \(rows) values distinct"
                notes.append("column '\(f.name)' looks like a row identifier (\(why)) and is left out of the features; list it in data.features to use it anyway, or in data.exclude to silence this")
            } else {
                roles[f.name] = "feature"
            }
        }
        let chosen = config.features ?? all.map(\.name).filter { roles[$0] == "feature" }
        let used = all.filter { chosen.contains($0.name) }
        try Self.checkText(used, table: table, forced: config.columns)
        try Self.checkCategories(used, limit: config.maxCategories, file: table.file)
        self.table = table
        features = chosen
        schema = all.map { ColumnSchema(facts: $0, role: roles[$0.name] ?? "excluded") }
        warnings = notes
    }

    /// A text column whose cells are numbers but for a few is an error naming the first text
    /// cell and the two fixes.
    static func checkText(_ facts: [ColumnFacts], table: Table, forced: [String: ColumnKind]) throws {
        for f in facts where f.kind == .categorical && forced[f.name] != .categorical {
            let present = f.present(rows: table.rowCount)
            let text = present - f.numberCells
            guard f.numberCells > 0, let first = f.firstText, Double(text) <= textShareForError * Double(present) else { continue }
            throw DataError(file: table.file, line: table.lineNumbers[first.row], column: f.name,
                            message: "numbers except for \(text) cell\(text == 1 ? "" : "s") like \(DataError.quoted(first.text)) (this line), so the column would be read as text: if such cells mean 'missing', add them to data.missing (e.g. data.missing: [\"\", NA, \(DataError.quoted(first.text))]); if the column really is text, say so with data.columns: {\(f.name): categorical}")
        }
    }

    /// A text feature with more distinct values than `limit` is an error naming it and the count.
    static func checkCategories(_ facts: [ColumnFacts], limit: Int, file: String) throws {
        for f in facts where f.kind == .categorical && f.distinct > limit {
            throw DataError(file: file, column: f.name,
                            message: "\(f.distinct) distinct values, more than data.max_categories (\(limit)); one-hot encoding would make \(f.distinct) inputs. Leave the column out with data.exclude: [\(f.name)], or raise data.max_categories if you mean it")
        }
    }

    /// Refuses, with the numbers, a data file larger than this machine's physical memory: the
    /// in-memory path holds the file's cells as values, which takes more than the file itself.
    static func checkFileSize(_ path: String, physical: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber,
              size.uint64Value > physical else { return }
        throw DataError(file: path, message: "the file is \(gib(size.doubleValue)), more than this machine's \(gib(Double(physical))) of memory, and the table is read into memory whole; use a sample of the rows, or a machine with more memory")
    }

    static func gib(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / 1_073_741_824) }
}
