import TandemData

extension DriftReference {
    /// Drift of `rows` of `table` (columns looked up by feature name; a missing column is an error naming it).
    ///
    /// One result per feature, in the reference's feature order. Throws `DataError` for a missing
    /// column (naming it and listing the table's columns) or a cell of a numeric feature that is
    /// not a number (with its line), and `ArtifactError` when `rows` is empty.
    public func compare(table: Table, rows: [Int]) throws -> [FeatureDrift] {
        guard !rows.isEmpty else { throw ArtifactError(.noRows(file: table.file)) }
        return try features.map { h in
            let c = try table.requireIndex(of: h.name, role: "feature")
            return try h.drift(column: table.columns[c], rows: rows, table: table)
        }
    }
}
