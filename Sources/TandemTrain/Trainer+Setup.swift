import Foundation
import TandemComm
import TandemModel
import TandemOptim
import TandemParallel
import TandemTensor

/// The setup stages `Trainer.init` runs in order: layout checks, the network, the model on the
/// grid, the agreed gradient-sync mode, the schedule, and the parameters (resumed or initial).
extension Trainer {
    /// Checks that the global batch can be cut among the data-parallel ranks (and into their
    /// accumulation pieces), and that the exact solver is not asked to split the model.
    /// Throws a `ConfigError` naming the setting.
    static func checkBatching(_ config: JobConfig, layout: Layout) throws {
        let t = config.train
        if t.batchSize < layout.dp {
            throw ConfigError("train.batch_size \(t.batchSize) is smaller than the \(layout.dp) data-parallel ranks; every rank needs at least one row per batch (batch_size is the global batch)")
        }
        let pieces = (config.parallel.splitsModel ? config.parallel.microBatches : 1) * t.accumulateSteps
        if t.accumulateSteps > 1 && t.batchSize / layout.dp < pieces {
            throw ConfigError("train.accumulate_steps \(t.accumulateSteps)\(config.parallel.splitsModel ? " x parallel.micro_batches \(config.parallel.microBatches)" : ""): each of the \(layout.dp) data-parallel ranks holds \(t.batchSize / layout.dp) rows of train.batch_size \(t.batchSize), fewer than the \(pieces) pieces it would be computed in")
        }
        if config.parallel.splitsModel && config.model.solver == .exact {
            throw ConfigError("model.solver: exact solves on data parallelism only; remove parallel.tensor and parallel.pipeline, or use solver: gradient")
        }
    }

    /// The whole network for `data` and `head`, validated and within the memory budget.
    static func networkSpec(_ config: JobConfig, data: PreparedData, head: LossHead, layout: Layout) throws -> NetworkSpec {
        let spec = NetworkSpec(inputs: data.inputWidth, hidden: config.model.hidden, outputs: head.outputs,
                               activation: config.model.activation, dropout: config.model.dropout,
                               initScheme: config.model.initScheme, norm: config.model.norm, residual: config.model.residualShape,
                               embedding: try config.embeddingShape(preprocessor: data.preprocessor))
        try spec.validate()
        try MemoryBudget.check(spec: spec, config: config, trainRows: data.train.count, layout: layout)
        return spec
    }

    /// This rank's part of `spec` on the process grid; a layout the model cannot take is a
    /// `ConfigError` with the `ParallelError`'s key path.
    static func parallelModel(_ spec: NetworkSpec, config: JobConfig, comm: Communicator) throws -> ParallelModel {
        do {
            return try ParallelModel(spec: spec, config: config.parallel, world: comm, accumulateSteps: config.train.accumulateSteps)
        } catch let e as ParallelError {
            throw ConfigError(e.description, keyPath: e.keyPath)
        }
    }

    /// `parallel.overlap` resolved on every rank and agreed (all ranks must reduce the same
    /// buckets, so one rank without a spare CPU turns it off everywhere); off when the training
    /// thread calls MPI during backward. A collective.
    static func agreeOverlap(_ p: ParallelConfig, layout: Layout, model: ParallelModel, comm: Communicator) throws -> Bool {
        let buckets = GradientSync.plan(slots: model.arena.slots, firstBytes: Int(p.firstBucketMiB * 1_048_576), bytes: Int(p.bucketMiB * 1_048_576))
        let overlapHere = MPIRuntime.serializedThreads && p.overlap.resolve(
            cpus: layout.cpuCount, blasThreads: layout.blasThreads, ranksPerNode: layout.ranksPerNode,
            cores: ProcessInfo.processInfo.activeProcessorCount, buckets: buckets.count)
        let overlapAgreed = try comm.allreduceMax([overlapHere ? 0 : 1])[0] == 0
        return overlapAgreed && !model.pipeline.backwardCommunicates
    }

    /// Optimizer steps of a run of `t` with `batchesPerEpoch` batches an epoch (`max_steps` caps it).
    static func totalSteps(_ t: TrainConfig, batchesPerEpoch: Int) -> Int {
        t.maxSteps > 0 ? min(t.maxSteps, batchesPerEpoch * t.epochs) : batchesPerEpoch * t.epochs
    }

    /// The learning-rate schedule of `t` over its total steps.
    static func schedule(_ t: TrainConfig, batchesPerEpoch: Int) -> LRSchedule {
        LRSchedule(kind: t.schedule.name, baseLR: t.optimizer.lr, warmupSteps: t.schedule.warmupSteps,
                   totalSteps: totalSteps(t, batchesPerEpoch: batchesPerEpoch), stepSize: t.schedule.stepSize,
                   gamma: t.schedule.gamma, minLR: t.schedule.minLR)
    }

    /// Claims the output directory for a fresh start, then resumes from the requested
    /// checkpoint or sets the initial parameters (the `init_from` weights or the initializer's,
    /// made on rank 0 and broadcast, the same as one process); checks every replica holds the
    /// same parameters. Returns the checkpoint resumed from, if any. A collective.
    func startParameters(resume: ResumeRequest, overwrite: Bool) throws -> Checkpoint? {
        if resume == .none && isRoot { try claimOutputDirectory(overwrite: overwrite) }
        let checkpoint = try locate(resume)
        if let checkpoint {
            try restore(checkpoint)
        } else {
            let whole = ParameterArena(spec.parameterSpecs)
            if isRoot {
                if let warmStart { try warmStart.load(into: whole) } else { try Initializer.initialize(whole, scheme: spec.initScheme, seed: config.train.seed) }
            }
            try comm.broadcast(whole.params.base, count: whole.count)
            model.extract(whole.params.array, into: arena.params)
        }
        try Consistency.requireSame(arena.sha256, "the parameters after broadcast", comm: model.dp)
        return checkpoint
    }

    /// Moves the pipeline's activation and gradient messages onto a shared-memory channel unless
    /// `parallel.intra_node` is false (when every stage of a (dp, tp) position is on one node; see
    /// `Pipeline.connect`), sized for the step's micro-batches. Returns whether it did. A collective.
    func connectPipeline() throws -> Bool {
        guard model.grid.pp > 1, config.parallel.intraNode != .off else { return false }
        let rows = BatchPlan.slice(count: min(config.train.batchSize, plan.samples), rank: 0, ranks: model.grid.dp).length
        let used = try model.pipeline.connect(rows: EvenSplit.range(total: rows, parts: model.microBatches, index: 0).count)
        return try comm.allreduceMax([used ? 0 : 1])[0] == 0
    }

    /// The intra-node shared-memory path for the gradient sum when `parallel.intra_node` asks
    /// for it on every rank (nil: plain `MPI_Allreduce`, or one replica). A collective.
    func agreeIntraNode() throws -> HierarchicalAllreduce? {
        guard model.dp.size > 1 else { return nil }
        let here = config.parallel.intraNode.resolve(ranksPerNode: layout.ranksPerNode, cores: ProcessInfo.processInfo.activeProcessorCount)
        guard try comm.allreduceMax([here ? 0 : 1])[0] == 0 else { return nil }
        let window = try HierarchicalAllreduce(comm: model.dp, capacity: arena.count)
        window.watchdog = comm.watchdog
        return window
    }
}
