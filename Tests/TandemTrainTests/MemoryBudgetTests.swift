import Testing
import TandemModel
@testable import TandemTrain

@Suite struct MemoryBudgetTests {
    private func bytes(pipeline: Int, microBatches: Int, trainRows: Int = 0) throws -> (Double, Double) {
        let yaml = """
        name: m
        data: {path: x.csv, target: y, task: classification}
        model: {kind: mlp, hidden: [1024, 1024]}
        train: {batch_size: 256, optimizer: {name: adam, lr: 0.001}, early_stopping: false}
        parallel: {pipeline: \(pipeline), micro_batches: \(microBatches)}
        """
        let config = try ConfigLoader.parse(yaml, source: "m.yaml")
        let spec = NetworkSpec(inputs: 1024, hidden: [1024, 1024], outputs: 10)
        let layout = Layout(world: pipeline, dp: 1, tp: 1, pp: pipeline, ranksPerNode: pipeline, blasThreads: 1)
        return MemoryBudget.estimate(spec: spec, config: config, trainRows: trainRows, layout: layout)
    }

    /// A pipeline stage with several micro-batches holds W^T and W packed: two more copies of its
    /// share of the parameters than the same stage with one micro-batch.
    @Test func pipelineWeightPacksAreCounted() throws {
        let (one, parameters) = try bytes(pipeline: 2, microBatches: 1)
        let (eight, _) = try bytes(pipeline: 2, microBatches: 8)
        #expect(eight - one == 4 * 2 * parameters / 2)
        let (single, _) = try bytes(pipeline: 1, microBatches: 8)
        let (singleOne, _) = try bytes(pipeline: 1, microBatches: 1)
        #expect(single == singleOne)
    }

    /// Splitting the model halves each stage's parameters, gradients and moments, but not the
    /// checkpoint snapshot: rank 0 copies the whole model's parameters and both Adam moments.
    @Test func theCheckpointSnapshotIsTheWholeModel() throws {
        let (whole, parameters) = try bytes(pipeline: 1, microBatches: 1)
        let (half, _) = try bytes(pipeline: 2, microBatches: 1)
        #expect(whole - half == 4 * 4 * parameters / 2)
        #expect(half == 4 * (4 * parameters / 2 + 3 * parameters), "no training rows: no workspace")
    }

    /// With 2 stages each dense layer keeps a batch of its input and output-gradient rows for the
    /// deferred weight gradient: the stages' share of batch x (inputs + outputs) floats.
    @Test func deferredWeightGradientRowsAreCounted() throws {
        let (one, _) = try bytes(pipeline: 1, microBatches: 1, trainRows: 10_000)
        let (two, _) = try bytes(pipeline: 2, microBatches: 1, trainRows: 10_000)
        let (oneEmpty, _) = try bytes(pipeline: 1, microBatches: 1)
        let (twoEmpty, _) = try bytes(pipeline: 2, microBatches: 1)
        let kept = 4.0 * 256 * Double((1024 + 1024) + (1024 + 1024) + (1024 + 10)) / 2
        #expect((two - twoEmpty) - (one - oneEmpty) == kept)
    }
}
