import TandemData
import TandemModel

extension EmbeddingShape {
    /// The embedding tables of `preprocessor`'s embedded categorical features: each feature's
    /// code column in the encoded input, its rows (categories plus the reserved row), and the
    /// width `dim(levels)` gives; with `periodic`, periodic embeddings (default sizes) of the
    /// numeric features (their columns in the tables' output). Nil when there is nothing to embed.
    public init?(preprocessor: Preprocessor, dim: (Int) -> Int, periodic: Bool = false) {
        var columns: [Int] = [], levels: [Int] = [], numeric: [Int] = [], numericAfterTables: [Int] = []
        var position = 0
        for f in preprocessor.features {
            if f.isEmbedded {
                columns.append(position)
                levels.append(f.embeddingLevels)
            } else if f.kind == .numeric {
                numeric.append(position)
            }
            position += f.width
        }
        // After the tables the numeric columns come first; without tables they stay in place.
        numericAfterTables = columns.isEmpty ? numeric : Array(0..<numeric.count)
        guard !columns.isEmpty || (periodic && !numeric.isEmpty) else { return nil }
        self.init(inputs: position, columns: columns, levels: levels, dims: levels.map(dim),
                  periodic: periodic && !numeric.isEmpty ? PeriodicShape(columns: numericAfterTables) : nil)
    }

    /// Whether these embeddings fit `preprocessor`: the same code columns and rows, and periodic
    /// embeddings of exactly its numeric columns (the widths are the model's).
    public func fits(_ preprocessor: Preprocessor) -> Bool {
        guard let expected = EmbeddingShape(preprocessor: preprocessor, dim: { _ in 1 }, periodic: periodic != nil) else { return false }
        return expected.inputs == inputs && expected.columns == columns && expected.levels == levels
            && expected.periodic?.columns == periodic?.columns
    }
}
