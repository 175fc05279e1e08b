import Foundation
import TandemFormats
import Testing
import TandemData
import TandemTensor
@testable import TandemTrain

/// The checkpoint writer's queue is bounded (issue 18, finding 7): with `every_steps: 1` on a
/// wide model, snapshots queued without limit (1.1 -> 5.8 GB in 20 s, the disk 300 steps behind).
@Suite struct CheckpointWriterTests {
    static func manifest(step: Int) -> CheckpointManifest {
        CheckpointManifest(
            formatVersion: CheckpointManifest.currentFormat, tandemVersion: "test", createdAt: "", state: TrainingState(step: step, batch: step),
            trainSeed: 1, splitSeed: 1, config: "", task: "regression", classes: nil,
            preprocessor: Preprocessor(options: PreprocessOptions(), features: []), dataSHA256: "",
            layout: .init(world: 1, dp: 1, tp: 1, pp: 1), model: .init(kind: "linear", widths: [1 << 19, 1], activation: "relu", parameters: (1 << 19) + 1),
            optimizer: .init(name: "sgd", stepCount: step), earlyStopping: nil,
            metricsLines: 0, tensors: [], files: [:])
    }

    @Test func aNewerSnapshotReplacesTheWaitingOneAndTheNewestIsWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-writer-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = CheckpointWriter(store: CheckpointStore(runDirectory: dir))
        let tensors = [NamedTensor(name: "layers.0.weight", shape: [1, 1 << 19], values: [Float](repeating: 0.5, count: 1 << 19)),
                       NamedTensor(name: "layers.0.bias", shape: [1], values: [0])]
        // Each write of 2 MiB with fsyncs takes milliseconds; 40 submits take microseconds.
        let submits = 40
        for step in 1...submits {
            try writer.submit(manifest: Self.manifest(step: step), tensors: tensors, keep: 100, bestBy: nil)
        }
        try writer.wait()
        #expect(writer.superseded > 0, "every snapshot was queued")
        #expect(writer.written.count + writer.superseded == submits)
        let steps = CheckpointStore(runDirectory: dir).list().map(\.step)
        #expect(steps.first == submits, "the newest snapshot is the last one written: \(steps)")
        #expect(steps == steps.sorted(by: >) && Set(steps).count == writer.written.count)
        let loaded = try CheckpointStore.load(try #require(CheckpointStore(runDirectory: dir).list().first?.url))
        #expect(loaded.manifest.state.step == submits)
    }
}
