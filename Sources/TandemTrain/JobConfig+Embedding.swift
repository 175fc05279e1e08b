import TandemArtifact
import TandemData
import TandemModel

extension JobConfig {
    /// The embedding tables of the model for `preprocessor` (nil when no feature is embedded),
    /// each `model.embedding_dim` wide (default `auto`). Throws a `ConfigError` naming
    /// `data.preprocess.categorical` when it asks for embeddings and no feature is categorical.
    func embeddingShape(preprocessor: Preprocessor) throws -> EmbeddingShape? {
        let shape = EmbeddingShape(preprocessor: preprocessor, dim: (model.embeddingDim ?? .auto).dim)
        if shape == nil && data.preprocess.categorical == .embedding {
            throw ConfigError("data.preprocess.categorical: embedding, but no feature is categorical (features: \(DataError.list(preprocessor.featureNames))); use categorical: onehot, or mark a column categorical with data.columns")
        }
        return shape
    }
}
