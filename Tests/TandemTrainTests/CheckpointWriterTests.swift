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

    /// Snapshots reuse the image last written: one image for a run whose writes keep up, at most
    /// two when one waits; each checkpoint holds the values of its own snapshot.
    @Test func snapshotImagesAreReusedAndHoldTheirOwnValues() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-writer-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = CheckpointWriter(store: CheckpointStore(runDirectory: dir))
        let shapes = [SafeTensorsImage.Tensor(name: "layers.0.weight", shape: [1, 1 << 19]), .init(name: "layers.0.bias", shape: [1])]
        func fill(_ step: Int) -> (SafeTensorsImage) -> Void {
            { image in
                for i in image.tensors.indices {
                    let v = image.values(i)
                    for j in v.indices { v[j] = Float(step * 10_000 + j) }
                }
            }
        }
        for step in 1...5 {
            try writer.submit(manifest: Self.manifest(step: step), tensors: shapes, keep: 100, bestBy: nil, fill: fill(step))
            try writer.wait()
        }
        #expect(writer.imagesAllocated == 1)
        for step in 6...30 { try writer.submit(manifest: Self.manifest(step: step), tensors: shapes, keep: 100, bestBy: nil, fill: fill(step)) }
        try writer.wait()
        #expect(writer.imagesAllocated <= 2)
        let store = CheckpointStore(runDirectory: dir)
        for (step, url) in store.list() {
            let loaded = try CheckpointStore.load(url)
            let w = try #require(loaded.tensors.first { $0.name == "layers.0.weight" })
            #expect(w.values.first == Float(step * 10_000) && w.values.last == Float(step * 10_000 + (1 << 19) - 1), "step \(step)")
        }
        // Other tensors get an image of their own.
        let renamed = shapes.map { SafeTensorsImage.Tensor(name: "best." + $0.name, shape: $0.shape) }
        try writer.submit(manifest: Self.manifest(step: 31), tensors: shapes + renamed, keep: 100, bestBy: nil, fill: fill(31))
        try writer.wait()
        #expect(writer.imagesAllocated <= 3)
        let last = try CheckpointStore.load(try #require(store.list().first?.url))
        #expect(Set(last.tensors.map(\.name)) == Set((shapes + renamed).map(\.name)))
    }

    /// A snapshot whose copy fails is not queued; the writer goes on with the next one.
    @Test func aFailedFillQueuesNothing() throws {
        struct CopyFailed: Error {}
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-writer-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = CheckpointWriter(store: CheckpointStore(runDirectory: dir))
        let shapes = [SafeTensorsImage.Tensor(name: "layers.0.weight", shape: [1, 1 << 19]), .init(name: "layers.0.bias", shape: [1])]
        #expect(throws: CopyFailed.self) {
            try writer.submit(manifest: Self.manifest(step: 1), tensors: shapes, keep: 5, bestBy: nil) { _ in throw CopyFailed() }
        }
        try writer.submit(manifest: Self.manifest(step: 2), tensors: shapes, keep: 5, bestBy: nil) { image in
            for i in image.tensors.indices { image.values(i).update(repeating: 2) }
        }
        try writer.wait()
        #expect(CheckpointStore(runDirectory: dir).list().map(\.step) == [2])
        #expect(writer.imagesAllocated == 1)
    }
}
