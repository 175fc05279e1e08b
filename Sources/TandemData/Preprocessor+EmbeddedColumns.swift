/// Where a preprocessor's encoded input puts what embeddings read: the code column and rows of
/// each embedded categorical feature, and the numeric columns. The model's `EmbeddingShape` is
/// made from these (TandemModel knows no preprocessor).
public struct EmbeddedColumns: Equatable, Sendable {
    /// Width of the encoded input.
    public var inputs: Int
    /// The input column of each embedded categorical feature's code, increasing.
    public var codeColumns: [Int]
    /// Rows of each embedded feature's table: its categories plus the reserved row.
    public var levels: [Int]
    /// The input columns of the numeric features, increasing.
    public var numericColumns: [Int]
}

extension Preprocessor {
    /// The columns of the encoded input that embeddings read (see `EmbeddedColumns`).
    public var embeddedColumns: EmbeddedColumns {
        var out = EmbeddedColumns(inputs: 0, codeColumns: [], levels: [], numericColumns: [])
        for f in features {
            if f.isEmbedded {
                out.codeColumns.append(out.inputs)
                out.levels.append(f.embeddingLevels)
            } else if f.kind == .numeric {
                out.numericColumns.append(out.inputs)
            }
            out.inputs += f.width
        }
        return out
    }
}
