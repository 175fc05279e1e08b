import Foundation
import TandemArtifact
import TandemTrain

/// Loads an `init_from` model from an exported model directory (`model.json` and its tensors,
/// validated by `ModelArtifact.load`), or a run directory, which stands for its `model/`.
public struct ArtifactModelLoader: InitialModelLoader {
    public init() {}

    /// Throws a `ConfigError` naming `path` and what is wrong with the model there.
    public func load(_ path: String) throws -> InitialModel {
        let nested = URL(fileURLWithPath: path).appendingPathComponent("model").path
        let directory = FileManager.default.fileExists(atPath: nested + "/model.json") ? nested : path
        let artifact: ModelArtifact
        do { artifact = try ModelArtifact.load(directory) } catch {
            throw ConfigError("init_from: cannot use \(path) as the initial model: \(error)")
        }
        let m = artifact.manifest
        let a = m.architecture
        return InitialModel(directory: directory, paramsSHA256: m.lineage.paramsSHA256, task: m.task, target: m.target,
                            architecture: .init(kind: a.kind, widths: a.widths, activation: a.activation, norm: a.norm,
                                                blocks: a.blocks, blockHidden: a.blockHidden, embedding: a.embedding),
                            preprocessor: m.preprocessing, classes: m.classes, tensors: artifact.tensors)
    }
}
