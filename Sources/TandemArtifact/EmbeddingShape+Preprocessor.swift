import TandemData
import TandemModel

extension EmbeddingShape {
    /// The embedding tables of `preprocessor`'s embedded categorical features (nil when it has
    /// none): each feature's code column in the encoded input, its rows (categories plus the
    /// reserved row), and the width `dim(levels)` gives.
    public init?(preprocessor: Preprocessor, dim: (Int) -> Int) {
        var columns: [Int] = [], levels: [Int] = []
        var position = 0
        for f in preprocessor.features {
            if f.isEmbedded {
                columns.append(position)
                levels.append(f.embeddingLevels)
            }
            position += f.width
        }
        guard !columns.isEmpty else { return nil }
        self.init(inputs: position, columns: columns, levels: levels, dims: levels.map(dim))
    }

    /// Whether these tables fit `preprocessor`: the same code columns and rows (the widths are the model's).
    public func fits(_ preprocessor: Preprocessor) -> Bool {
        guard let expected = EmbeddingShape(preprocessor: preprocessor, dim: { _ in 1 }) else { return false }
        return expected.inputs == inputs && expected.columns == columns && expected.levels == levels
    }
}
