import TandemData
import TandemModel

extension JobConfig {
    /// The embedding tables of the model for `preprocessor` (nil when no feature is embedded),
    /// each `model.embedding_dim` wide (default `auto`), and the periodic embeddings of the
    /// numeric features with `model.numeric_embedding: periodic`. Throws a `ConfigError` naming
    /// `data.preprocess.categorical` when it asks for embeddings and no feature is categorical,
    /// and `model.numeric_embedding` when no feature is numeric.
    func embeddingShape(preprocessor: Preprocessor) throws -> EmbeddingShape? {
        let periodic = model.numericEmbedding == .periodic
        let c = preprocessor.embeddedColumns
        let shape = EmbeddingShape(inputs: c.inputs, codeColumns: c.codeColumns, levels: c.levels, numericColumns: c.numericColumns,
                                   dim: (model.embeddingDim ?? .auto).dim, periodic: periodic)
        if periodic && shape?.periodic == nil {
            throw ConfigError("model.numeric_embedding: periodic, but no feature is numeric (features: \(DataError.list(preprocessor.featureNames)))", keyPath: "model.numeric_embedding")
        }
        if shape?.columns.isEmpty ?? true, data.preprocess.categorical == .embedding {
            throw ConfigError("data.preprocess.categorical: embedding, but no feature is categorical (features: \(DataError.list(preprocessor.featureNames))); use categorical: onehot, or mark a column categorical with data.columns", keyPath: "data.preprocess.categorical")
        }
        return shape
    }
}
