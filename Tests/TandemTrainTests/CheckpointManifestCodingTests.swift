import Foundation
import Testing
import TandemData
import TandemMetrics
@testable import TandemTrain

/// `TrainingState` is `Codable` and is the manifest's `state`, encoded at the manifest's level:
/// the keys of manifest.json are those checkpoints were written with before (a nested `state`
/// object would stop older checkpoints from resuming, and newer ones from resuming in older builds).
@Suite struct CheckpointManifestCodingTests {
    /// The keys of a manifest.json written by the build before `TrainingState` was `Codable`
    /// (iris, 5 epochs, keep_best metric; `classes` is absent only for regression).
    static let formatKeys: Set<String> = [
        "batch", "classes", "config", "created_at", "data_sha256", "epoch", "epoch_loss_sum", "epoch_samples", "epoch_seconds",
        "files", "finished", "format_version", "last_grad_norm", "layout", "metric_name", "metric_value", "metrics_lines",
        "model", "optimizer", "preprocessor", "samples", "split_seed", "step", "stopped_early", "tandem_version", "task",
        "tensors", "train_seconds", "train_seed",
    ]

    static func manifest(_ state: TrainingState) -> CheckpointManifest {
        var m = CheckpointWriterTests.manifest(step: state.step)
        m.state = state
        m.classes = ["a", "b"]
        return m
    }

    static let state = TrainingState(step: 30, epoch: 5, batch: 2, epochLossSum: 1.5, epochSamples: 12, epochSeconds: 0.25,
                                     trainSeconds: 3.5, samples: 600, lastGradNorm: 0.289,
                                     metric: SplitMetric(qualified: "val_accuracy"), metricValue: 0.93, finished: true, stoppedEarly: false)

    @Test func theStateIsWrittenAtTheManifestLevelWithTheFormatKeys() throws {
        let data = try JSONEncoder().encode(Self.manifest(Self.state))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == Self.formatKeys)
        #expect(object["step"] as? Int == 30 && object["epoch_loss_sum"] as? Double == 1.5)
        #expect(object["metric_name"] as? String == "val_accuracy" && object["stopped_early"] as? Bool == false)
    }

    @Test func aManifestInTheFlatLayoutReadsIntoTheState() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.manifest(Self.state))) as? [String: Any])
        // As an older build wrote it: the state's fields among the manifest's, edited here.
        object["step"] = 77
        object["batch"] = 9
        object["metric_name"] = "train_loss"
        let decoded = try JSONDecoder().decode(CheckpointManifest.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.state.step == 77 && decoded.state.batch == 9 && decoded.state.epoch == 5)
        #expect(decoded.state.metric == SplitMetric(qualified: "train_loss") && decoded.state.metricValue == 0.93)
        #expect(decoded.state.trainSeconds == 3.5 && decoded.state.finished)
        object["metric_name"] = nil
        object["metric_value"] = nil
        let none = try JSONDecoder().decode(CheckpointManifest.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(none.state.metric == nil && none.state.metricValue == nil)
    }

    @Test func aRoundTripKeepsEveryField() throws {
        let m = Self.manifest(Self.state)
        #expect(try JSONDecoder().decode(CheckpointManifest.self, from: JSONEncoder().encode(m)) == m)
    }
}
