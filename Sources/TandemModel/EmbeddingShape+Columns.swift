extension EmbeddingShape {
    /// The embedding tables of an input of `inputs` columns whose codes sit at `codeColumns`
    /// (tables of `levels` rows, each `dim(levels)` wide); with `periodic`, periodic embeddings
    /// (default sizes) of the numeric columns (`numericColumns` of the input, which come first
    /// in the tables' output). Nil when there is nothing to embed.
    public init?(inputs: Int, codeColumns: [Int], levels: [Int], numericColumns: [Int], dim: (Int) -> Int, periodic: Bool) {
        // After the tables the numeric columns come first; without tables they stay in place.
        let numericAfterTables = codeColumns.isEmpty ? numericColumns : Array(0..<numericColumns.count)
        guard !codeColumns.isEmpty || (periodic && !numericColumns.isEmpty) else { return nil }
        self.init(inputs: inputs, columns: codeColumns, levels: levels, dims: levels.map(dim),
                  periodic: periodic && !numericColumns.isEmpty ? PeriodicShape(columns: numericAfterTables) : nil)
    }
}
