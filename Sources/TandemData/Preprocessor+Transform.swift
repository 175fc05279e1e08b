import TandemTensor

extension Preprocessor {
    /// The preprocessed features of `rows` of `table`: `[rows.count, outputWidth]`.
    ///
    /// Columns are found by name, so `table` may be another file with the same features.
    /// Missing cells are imputed, then scaled; an unseen category gives an all-zero one-hot block.
    /// An embedded categorical feature gives its code (`FeatureTransform.code`): a missing or
    /// unseen value the reserved code `categories.count`.
    /// A numeric feature stored as text in `table` is parsed cell by cell; a categorical feature
    /// stored as numbers is matched by its text (`CellText.format`). Throws `DataError` for a
    /// missing feature column, and (with line and column) for a cell that is not a number or is infinite.
    public func transform(table: Table, rows: [Int]) throws -> Matrix {
        let width = outputWidth
        var out = [Float](repeating: 0, count: rows.count * width)
        var start = 0
        for feature in features {
            let c = try table.requireIndex(of: feature.name, role: "feature")
            let column = table.columns[c]
            switch feature.kind {
            case .numeric:
                if case .numeric(let values) = column {
                    for (i, r) in rows.enumerated() {
                        let x = values[r].isNaN ? feature.fill : values[r]
                        guard x.isFinite else { throw infinite(x, feature: feature, row: r, table: table) }
                        let v = Float(feature.scaled(x))
                        guard v.isFinite else { throw outOfRange(x, feature: feature, row: r, table: table) }
                        out[i * width + start] = v
                    }
                } else {  // stored as text in this file: parse each cell
                    for (i, r) in rows.enumerated() {
                        out[i * width + start] = try scaled(feature, column: column, row: r, table: table)
                    }
                }
            case .categorical where feature.isEmbedded:
                let lookup = feature.codeIndex
                for (i, r) in rows.enumerated() { out[i * width + start] = Float(feature.code(of: column.text(at: r), index: lookup)) }
            case .categorical:
                let lookup = feature.codeIndex
                for (i, r) in rows.enumerated() {
                    if let k = lookup[column.text(at: r) ?? feature.fillCategory] { out[i * width + start + k] = 1 }
                }
            }
            start += feature.width
        }
        return Matrix(rows: rows.count, cols: width, values: out)
    }

    /// One preprocessed row from text cells by feature name (as in a CSV row or a JSON request):
    /// `[outputWidth]`. Cell text is read as in a file (trimmed; missing tokens allowed).
    /// Throws `DataError` (file `source`) for a feature absent from `row` or a bad number.
    public func transform(row: [String: String], source: String = "input") throws -> [Float] {
        var columns: [ColumnValues] = []
        for feature in features {
            guard let text = row[feature.name] else { throw absent(feature.name, source: source, given: row.keys) }
            let t = trimmedCell(text)
            columns.append(.categorical([CellText.missingTokens.contains(t) ? nil : t]))
        }
        let table = Table(file: source, names: featureNames, columns: columns, lineNumbers: [1])
        return try transform(table: table, rows: [0]).values
    }

    /// One preprocessed row from numbers by feature name (`.nan` = missing): `[outputWidth]`.
    /// Categorical features match the number's text (`3` for 3.0). Throws `DataError` (file
    /// `source`) for a feature absent from `row` or an infinite value.
    public func transform(row: [String: Double], source: String = "input") throws -> [Float] {
        var columns: [ColumnValues] = []
        for feature in features {
            guard let x = row[feature.name] else { throw absent(feature.name, source: source, given: row.keys) }
            columns.append(.numeric([x]))
        }
        let table = Table(file: source, names: featureNames, columns: columns, lineNumbers: [1])
        return try transform(table: table, rows: [0]).values
    }

    /// The scaled value of a numeric feature in `row`.
    private func scaled(_ feature: FeatureTransform, column: ColumnValues, row: Int, table: Table) throws -> Float {
        guard var x = column.number(at: row) else {
            throw DataError(file: table.file, line: table.lineNumbers[row], column: feature.name,
                            message: "expected a number, found \(DataError.quoted(column.text(at: row) ?? ""))")
        }
        if x.isNaN { x = feature.fill }
        guard x.isFinite else { throw infinite(x, feature: feature, row: row, table: table) }
        let v = Float(feature.scaled(x))
        guard v.isFinite else { throw outOfRange(x, feature: feature, row: row, table: table) }
        return v
    }

    /// The error for a value that overflows float32 once scaled (e.g. 1e39), which would make
    /// the network's outputs NaN.
    private func outOfRange(_ x: Double, feature: FeatureTransform, row: Int, table: Table) -> DataError {
        DataError(file: table.file, line: table.lineNumbers[row], column: feature.name, message: FeatureTransform.outOfRange(x))
    }

    /// The error for an infinite value of a numeric feature.
    private func infinite(_ x: Double, feature: FeatureTransform, row: Int, table: Table) -> DataError {
        DataError(file: table.file, line: table.lineNumbers[row], column: feature.name,
                  message: "expected a finite number, found \(CellText.format(x))")
    }

    /// The error for a feature that a single-row input does not have.
    private func absent(_ name: String, source: String, given: Dictionary<String, some Any>.Keys) -> DataError {
        DataError(file: source, column: name,
                  message: "feature is missing from the input; it has: \(DataError.list(given.sorted()))")
    }
}
