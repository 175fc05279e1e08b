/// What a model predicts.
public enum Task: String, Codable, Sendable, CaseIterable {
    /// One of a fixed set of classes.
    case classification
    /// A real number.
    case regression
}

/// Maps a target column to training labels: class indices for classification, floats for regression.
///
/// Fitted once on the whole table (so every split sees the same classes) and saved with the
/// model, so predictions can be turned back into class names.
public struct TargetEncoder: Codable, Sendable, Equatable {
    /// The task the target is encoded for.
    public var task: Task
    /// Class names in index order (empty for regression). Numeric targets are sorted numerically
    /// and printed without a decimal point when integral (`"3"`); text targets sort as strings,
    /// or numerically when every class parses as a number (keeping the text as written).
    public var classes: [String]

    /// An encoder with the given classes.
    public init(task: Task, classes: [String]) {
        self.task = task
        self.classes = classes
    }

    /// Learns the encoding of column `target` in `table` (all rows).
    ///
    /// Throws `DataError`: unknown column (listing the columns); classification with fewer than
    /// two distinct non-missing values; regression on a column with a non-numeric cell (naming
    /// the first such line).
    public static func fit(table: Table, target: String, task: Task) throws -> TargetEncoder {
        let c = try table.requireIndex(of: target, role: "target")
        let column = table.columns[c]
        switch task {
        case .regression:
            for r in 0..<table.rowCount where column.number(at: r) == nil {
                throw DataError(file: table.file, line: table.lineNumbers[r], column: target,
                                message: "regression needs a numeric target, found \(DataError.quoted(column.text(at: r) ?? ""))")
            }
            return TargetEncoder(task: .regression, classes: [])
        case .classification:
            let classes = sortedClasses(column)
            guard classes.count >= 2 else {
                let found = classes.isEmpty ? "none (every value is missing)" : "only \(DataError.quoted(classes[0]))"
                throw DataError(file: table.file, column: target,
                                message: "classification needs at least 2 distinct target values, found \(found)")
            }
            return TargetEncoder(task: .classification, classes: classes)
        }
    }

    /// How many distinct values of a numeric target are looked up by a scan instead of a hash.
    static let fewLimit = 16

    /// The distinct non-missing values of `column`, sorted as described on `classes`.
    private static func sortedClasses(_ column: ColumnValues) -> [String] {
        switch column {
        case .numeric(let values):
            // A class target has few values: those are found by a scan of the first `fewLimit`
            // distinct values seen, before any hashing (equal as `Set` compares: 0 and -0 alike).
            var few: [Double] = []
            var distinct = Set<Double>()
            var last = Double.nan
            for x in values where !x.isNaN && x != last {
                last = x
                if few.contains(x) { continue }
                if few.count < fewLimit { few.append(x) }
                distinct.insert(x)
            }
            return distinct.sorted().map(CellText.format)
        case .categorical(let values):
            let distinct = Set(values.compactMap { $0 })
            let numbers = distinct.map { ($0, Double($0)) }
            if numbers.allSatisfy({ $0.1 != nil }) {
                return numbers.sorted { ($0.1 ?? 0, $0.0) < ($1.1 ?? 0, $1.0) }.map(\.0)
            }
            return distinct.sorted()
        }
    }

    /// Index of the class called `name`, or nil.
    public func classIndex(of name: String) -> Int? { classes.firstIndex(of: name) }

    /// Class index of each row in `rows`: `[rows.count]`.
    ///
    /// Throws `DataError` (file, line, column) for a missing target or a value that is not one of
    /// `classes`, and if the encoder is for regression or `target` is not a column.
    public func encodeLabels(table: Table, target: String, rows: [Int]) throws -> [Int32] {
        guard task == .classification else {
            throw DataError(file: table.file, column: target, message: "the target encoder is for regression; use encodeValues")
        }
        let c = try table.requireIndex(of: target, role: "target")
        let column = table.columns[c]
        let lookup = Dictionary(classes.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        if case .numeric(let values) = column {
            // A numeric target: each distinct value is formatted and looked up once. Equal values
            // format alike (0 and -0 both as "0"), so a value's class is that of its text.
            // The first `fewLimit` distinct values are found by a scan, before any hashing.
            var known: [Double: Int32] = [:]
            var few: [(value: Double, index: Int32)] = []
            var last = Double.nan, lastIndex: Int32 = 0
            return try values.withUnsafeBufferPointer { v in
                try rows.map { r in
                    let x = v[r]
                    if x == last { return lastIndex }
                    guard !x.isNaN else {
                        throw DataError(file: table.file, line: table.lineNumbers[r], column: target,
                                        message: "target value is missing; expected one of: \(DataError.list(classes))")
                    }
                    let index: Int32
                    if let k = few.first(where: { $0.value == x })?.index {
                        index = k
                    } else if let k = known[x] {
                        index = k
                    } else {
                        let text = CellText.format(x)
                        guard let k = lookup[text] else {
                            throw DataError(file: table.file, line: table.lineNumbers[r], column: target,
                                            message: "unknown class \(DataError.quoted(text)); expected one of: \(DataError.list(classes))")
                        }
                        known[x] = k
                        if few.count < Self.fewLimit { few.append((x, k)) }
                        index = k
                    }
                    last = x
                    lastIndex = index
                    return index
                }
            }
        }
        return try rows.map { r in
            guard let text = column.text(at: r) else {
                throw DataError(file: table.file, line: table.lineNumbers[r], column: target,
                                message: "target value is missing; expected one of: \(DataError.list(classes))")
            }
            guard let index = lookup[text] else {
                throw DataError(file: table.file, line: table.lineNumbers[r], column: target,
                                message: "unknown class \(DataError.quoted(text)); expected one of: \(DataError.list(classes))")
            }
            return index
        }
    }

    /// Target value of each row in `rows` for regression: `[rows.count]`.
    ///
    /// Throws `DataError` (file, line, column) for a missing or non-numeric target, and if the
    /// encoder is for classification or `target` is not a column.
    public func encodeValues(table: Table, target: String, rows: [Int]) throws -> [Float] {
        guard task == .regression else {
            throw DataError(file: table.file, column: target, message: "the target encoder is for classification; use encodeLabels")
        }
        let c = try table.requireIndex(of: target, role: "target")
        let column = table.columns[c]
        return try rows.map { r in
            guard let x = column.number(at: r) else {
                throw DataError(file: table.file, line: table.lineNumbers[r], column: target,
                                message: "expected a number, found \(DataError.quoted(column.text(at: r) ?? ""))")
            }
            guard !x.isNaN else {
                throw DataError(file: table.file, line: table.lineNumbers[r], column: target,
                                message: "target value is missing; expected a number")
            }
            guard x.isFinite else {
                throw DataError(file: table.file, line: table.lineNumbers[r], column: target,
                                message: "expected a finite number, found \(CellText.format(x))")
            }
            return Float(x)
        }
    }
}
