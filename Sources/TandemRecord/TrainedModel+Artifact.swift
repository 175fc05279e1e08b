import TandemArtifact
import TandemModel
import TandemTrain

extension TrainedModel {
    /// The trained model as a self-describing artifact (written to `<run>/model/`).
    var artifact: ModelArtifact {
        let manifest = ArtifactManifest(
            name: config.name, task: config.data.task, preprocessing: data.preprocessor, classes: data.classes,
            target: config.data.target,
            architecture: .init(kind: config.model.kind.rawValue, widths: spec.widths,
                                activation: config.model.activation.rawValue, output: output,
                                norm: spec.norm == .none ? nil : spec.norm.rawValue,
                                blocks: spec.residual?.blocks, blockHidden: spec.residual?.hidden, embedding: spec.embedding),
            metrics: testMetrics,
            lineage: .init(dataSHA256: data.dataSHA256, paramsSHA256: paramsSHA256, seed: config.train.seed,
                           tandemVersion: TandemInfo.version, config: resolvedConfig,
                           initFrom: initFrom.map { .init(path: $0.path, paramsSHA256: $0.paramsSHA256) }),
            drift: data.drift)
        return ModelArtifact(manifest: manifest, tensors: tensors)
    }
}
