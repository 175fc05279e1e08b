/// How a column's cells are interpreted.
public enum ColumnKind: String, Codable, Sendable, CaseIterable {
    /// Numbers; missing cells are NaN.
    case numeric
    /// Text labels; missing cells are nil.
    case categorical
}

/// The cells of one column, typed.
public enum ColumnValues: Sendable, Equatable {
    /// One number per row; `.nan` marks a missing cell.
    case numeric([Double])
    /// One trimmed string per row; `nil` marks a missing cell.
    case categorical([String?])

    /// The kind of this column.
    public var kind: ColumnKind {
        switch self {
        case .numeric: .numeric
        case .categorical: .categorical
        }
    }

    /// Number of rows.
    public var count: Int {
        switch self {
        case .numeric(let v): v.count
        case .categorical(let v): v.count
        }
    }

    /// The cell in `row` as text (numbers via `CellText.format`), or nil if missing.
    public func text(at row: Int) -> String? {
        switch self {
        case .numeric(let v): v[row].isNaN ? nil : CellText.format(v[row])
        case .categorical(let v): v[row]
        }
    }

    /// The cell in `row` as a number: NaN if missing, nil if it is text that is not a number.
    public func number(at row: Int) -> Double? {
        switch self {
        case .numeric(let v): v[row]
        case .categorical(let v): v[row].map { CellText.number($0) } ?? .nan
        }
    }
}

/// A typed, column-oriented table loaded from a file, remembering where each row came from.
public struct Table: Sendable {
    /// The file the table was read from, as given (used in error messages).
    public var file: String
    /// Column names, in file order.
    public var names: [String]
    /// One entry per name, each with `rowCount` cells.
    public var columns: [ColumnValues]
    /// Physical line in `file` where each row starts (CSV), or row index + 1 (`.npy`).
    public var lineNumbers: [Int]
    /// Number of rows.
    public var rowCount: Int

    /// A table over already typed columns; every column must have `lineNumbers.count` cells.
    public init(file: String, names: [String], columns: [ColumnValues], lineNumbers: [Int]) {
        precondition(names.count == columns.count, "Table: \(names.count) names for \(columns.count) columns")
        precondition(columns.allSatisfy { $0.count == lineNumbers.count }, "Table: column lengths differ from the row count")
        self.file = file
        self.names = names
        self.columns = columns
        self.lineNumbers = lineNumbers
        rowCount = lineNumbers.count
    }

    /// Position of the column called `name`, or nil.
    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// Position of the column called `name`; throws a `DataError` listing the columns if there is none.
    /// `role` says what the column was wanted for ("target", "feature") in the message.
    public func requireIndex(of name: String, role: String = "column") throws -> Int {
        guard let i = index(of: name) else {
            throw DataError(file: file, column: name,
                            message: "\(role) column not found; columns are: \(DataError.list(names))")
        }
        return i
    }

    /// The kind of each column, by name (for loading another file the same way).
    public var kinds: [String: ColumnKind] {
        Dictionary(zip(names, columns.map(\.kind)), uniquingKeysWith: { first, _ in first })
    }
}
