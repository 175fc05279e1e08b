import Foundation
import TandemArtifact
import TandemData

/// What `GET /v1/model` tells about a served model: its features with kinds (and categories),
/// classes, architecture, test metrics and lineage, from the manifest.
struct ModelSummary: Encodable {
    struct Feature: Encodable {
        var name: String
        var kind: ColumnKind
        var categories: [String]?
    }

    var name: String
    var task: String
    var target: String
    var features: [Feature]
    var classes: [String]?
    var encodedInputs: Int
    var architecture: ArtifactManifest.Architecture
    var metrics: [String: Double]
    var lineage: ArtifactManifest.Lineage

    enum CodingKeys: String, CodingKey {
        case name, task, target, features, classes, encodedInputs = "encoded_inputs", architecture, metrics, lineage
    }

    init(name: String, manifest m: ArtifactManifest) {
        self.name = name
        task = m.task.rawValue
        target = m.target
        features = m.preprocessing.features.map {
            Feature(name: $0.name, kind: $0.kind, categories: $0.kind == .categorical ? $0.categories : nil)
        }
        classes = m.task == .classification ? m.classes : nil
        encodedInputs = m.encodedInputs.count
        architecture = m.architecture
        metrics = m.metrics.filter { $0.value.isFinite }
        lineage = m.lineage
    }

    /// The summary as JSON text (keys sorted).
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{\"name\":\"\(name)\"}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
