import TandemData
import TandemModel

extension EmbeddingShape {
    /// The embedding tables of `preprocessor`'s embedded categorical features: each feature's
    /// code column in the encoded input, its rows (categories plus the reserved row), and the
    /// width `dim(levels)` gives; with `periodic`, periodic embeddings (default sizes) of the
    /// numeric features (their columns in the tables' output). Nil when there is nothing to embed.
    public init?(preprocessor: Preprocessor, dim: (Int) -> Int, periodic: Bool = false) {
        let c = preprocessor.embeddedColumns
        self.init(inputs: c.inputs, codeColumns: c.codeColumns, levels: c.levels, numericColumns: c.numericColumns, dim: dim, periodic: periodic)
    }

    /// Whether these embeddings fit `preprocessor`: the same code columns and rows, and periodic
    /// embeddings of exactly its numeric columns (the widths are the model's).
    public func fits(_ preprocessor: Preprocessor) -> Bool {
        guard let expected = EmbeddingShape(preprocessor: preprocessor, dim: { _ in 1 }, periodic: periodic != nil) else { return false }
        return expected.inputs == inputs && expected.columns == columns && expected.levels == levels
            && expected.periodic?.columns == periodic?.columns
    }
}
