import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Table {
    /// Loads a table from `path`: `.npy` files (by extension, any case) through `NPYReader`,
    /// everything else as CSV through `CSVReader`.
    ///
    /// CSV columns are typed by `init(csv:file:kinds:)`. A 2-D `.npy` array `[rows, F]` becomes
    /// numeric columns `x0 … x{F-1}` (a 1-D array becomes the single column `x0`); `targetPath`
    /// (only with `.npy` features) names a `.npy` of shape `[rows]` or `[rows, 1]` appended as
    /// the numeric column `target`. `kinds` forces column kinds by name.
    /// Throws `DataError`: no such file, a directory, unreadable, any parse error, a row-count
    /// mismatch between features and target (naming both files), or a `kinds` name that is not a column.
    public static func load(path: String, targetPath: String? = nil, kinds: [String: ColumnKind] = [:]) throws -> Table {
        let isNPY = path.lowercased().hasSuffix(".npy")
        let data = try readFile(path)
        guard isNPY else {
            if let targetPath {
                throw DataError(file: targetPath, message: "a separate target file is only supported with .npy features, but the features file \(path) is CSV; put the target in a CSV column instead")
            }
            return try data.withUnsafeBytes { raw in
                try Table(streaming: raw.bindMemory(to: UInt8.self), file: path, kinds: kinds)
            }
        }
        let features = try NPYReader.read(data, file: path)
        var target: NPYArray?
        if let targetPath { target = try NPYReader.read(readFile(targetPath), file: targetPath) }
        return try Table(npy: features, file: path, target: target, targetFile: targetPath, kinds: kinds)
    }

    /// Types the columns of `csv` read from `file`.
    ///
    /// A column is numeric if every non-missing cell (see `CellText.missingTokens`) parses as a
    /// `Double` after trimming spaces and tabs, or if all of its cells are missing; otherwise it is
    /// categorical and keeps its trimmed text. `kinds` overrides by name: `.numeric` makes a cell
    /// that is not a number a `DataError` with the row's line and the column; `.categorical`
    /// keeps numbers as their text. A name in `kinds` that is not a column is a `DataError`.
    public init(csv: CSVTable, file: String, kinds: [String: ColumnKind] = [:]) throws {
        try Table.checkKinds(kinds, names: csv.header, file: file)
        var columns: [ColumnValues] = []
        columns.reserveCapacity(csv.header.count)
        for (c, name) in csv.header.enumerated() {
            columns.append(try Table.typeColumn(csv.rows.map { $0[c] }, name: name, forced: kinds[name],
                                                file: file, lines: csv.lineNumbers))
        }
        self.init(file: file, names: csv.header, columns: columns, lineNumbers: csv.lineNumbers)
    }

    /// A table of numeric columns `x0 …` from a 1-D or 2-D array, plus `target` if given.
    ///
    /// `target` must have shape `[rows]` or `[rows, 1]`; a mismatch is a `DataError` naming
    /// `file` and `targetFile`. `kinds` may make columns categorical (numbers become their text).
    public init(npy features: NPYArray, file: String, target: NPYArray? = nil, targetFile: String? = nil,
                kinds: [String: ColumnKind] = [:]) throws {
        let rows = features.shape.first ?? 0
        let cols = features.shape.count == 2 ? features.shape[1] : 1
        var names = (0..<cols).map { "x\($0)" }
        var numeric: [[Double]] = (0..<cols).map { c in (0..<rows).map { features.values[$0 * cols + c] } }
        if let target {
            let targetName = targetFile ?? "target"
            guard target.shape.count == 1 || (target.shape.count == 2 && target.shape[1] == 1) else {
                throw DataError(file: targetName, message: "target array has shape \(NPYReader.describe(target.shape)); expected (\(rows),) or (\(rows), 1)")
            }
            guard target.shape[0] == rows else {
                throw DataError(file: file, message: "features have \(rows) rows but the target file \(targetName) has \(target.shape[0])")
            }
            names.append("target")
            numeric.append(target.values)
        }
        try Table.checkKinds(kinds, names: names, file: file)
        let lines = (0..<rows).map { $0 + 1 }
        var columns: [ColumnValues] = []
        for (name, values) in zip(names, numeric) {
            if kinds[name] == .categorical {
                columns.append(.categorical(values.map { $0.isNaN ? nil : CellText.format($0) }))
            } else {
                columns.append(.numeric(values))
            }
        }
        self.init(file: file, names: names, columns: columns, lineNumbers: lines)
    }

    /// Throws if `kinds` names a column that is not in `names`.
    static func checkKinds(_ kinds: [String: ColumnKind], names: [String], file: String) throws {
        let known = Set(names)
        if let unknown = kinds.keys.sorted().first(where: { !known.contains($0) }) {
            throw DataError(file: file, column: unknown,
                            message: "a column kind is set for this column, but the file has no such column; columns are: \(DataError.list(names))")
        }
    }

    /// Types one column of cell text as described in `init(csv:file:kinds:)` (`ColumnTyping`).
    private static func typeColumn(_ cells: [String], name: String, forced: ColumnKind?,
                                   file: String, lines: [Int]) throws -> ColumnValues {
        var typing = ColumnTyping(name: name, forced: forced, file: file)
        var numbers = [Double](repeating: .nan, count: typing.numeric ? cells.count : 0)
        for (r, cell) in cells.enumerated() where typing.numeric {
            let x = CellText.number(cell)
            try typing.observe(x, text: cell, line: lines[r])
            if let x { numbers[r] = x }
        }
        try typing.requireNoOverflow()
        if typing.kind == .numeric { return .numeric(numbers) }
        return .categorical(cells.map(ColumnTyping.category))
    }

    /// The bytes of the file at `path`, or a `DataError` saying why they cannot be read.
    public static func readFile(_ path: String) throws -> Data {
        try checkReadable(path)
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw DataError(file: path, message: "cannot read the file: \(error.localizedDescription)")
        }
    }

    /// The file at `path` mapped read-only (pages shared with the page cache and with every
    /// other process mapping it, not copied), after the checks of `readFile`; a `DataError` says
    /// why it cannot be.
    public static func mapFile(_ path: String) throws -> ColumnBuffer {
        try checkReadable(path)
        return try ColumnBuffer(mapping: path)
    }

    /// Throws the `DataError` of `readFile` when `path` is no regular, readable file.
    static func checkReadable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, message: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw DataError(file: path, message: "is a directory; expected a .csv or .npy file")
        }
        // A device (/dev/null), FIFO or socket would block, read nothing, or be refused with a
        // misleading "permission" message: only regular files (or links to them) hold data.
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            let kinds: [mode_t: String] = [S_IFCHR: "a character device", S_IFBLK: "a block device", S_IFIFO: "a named pipe (FIFO)", S_IFSOCK: "a socket"]
            throw DataError(file: path, message: "is \(kinds[info.st_mode & S_IFMT] ?? "a special file"), not a regular file; expected a .csv or .npy file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw DataError(file: path, message: "file is not readable (permission denied)")
        }
    }
}
