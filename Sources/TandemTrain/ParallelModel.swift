import TandemComm
import TandemModel
import TandemParallel
import TandemTensor

/// The model as this rank holds it on the `dp x tp x pp` process grid, for every layout: data
/// parallelism is the grid with tp = pp = 1, whose one stage is the whole model of plain `Dense`
/// layers. Holds the grid, its communicators, this rank's shard of its stage (`StageNetwork`
/// over `ShardLayout.makeLayers`) and the pipeline between stages.
///
/// Parameters, gradients and optimizer state exist on each rank only for its shard. Whole
/// ("consolidated") parameters, in the single-process arena layout, are assembled on world
/// rank 0 only when they are written (checkpoints, export) and hashed (`params_sha256`), so
/// runs are comparable and resumable across layouts.
final class ParallelModel {
    let grid: ProcessGrid
    let coordinates: GridCoordinates
    let plan: StagePlan
    let shard: ShardLayout
    let world: Communicator
    /// Ranks with the same (tp, pp): gradient averaging.
    let dp: Communicator
    /// Ranks with the same (dp, pp): the shards of each layer.
    let tp: Communicator
    /// This rank's parameters and gradients (its shard only).
    let arena: ParameterArena
    let pipeline: Pipeline
    /// The modelled cost of each pipeline unit (`NetworkSpec.unitCosts`), which the stages balance.
    let unitCosts: [Int]
    let schedule: PipelineScheduleKind
    /// Micro-batches per step: `parallel.micro_batches` when the model is split, else 1, times
    /// `train.accumulate_steps` (accumulation is more micro-batches before the one sync).
    let microBatches: Int
    let spec: NetworkSpec

    /// Whether the model is split (tensor or pipeline parallelism).
    var splitsModel: Bool { grid.tp > 1 || grid.pp > 1 }

    init(spec: NetworkSpec, config: ParallelConfig, world: Communicator, accumulateSteps: Int = 1) throws {
        self.spec = spec
        fullSlots = ParameterArena.layout(spec.parameterSpecs)
        self.world = world
        grid = try ProcessGrid(world: world.size, tensor: config.tensor, pipeline: config.pipeline)
        coordinates = grid.coordinates(of: world.rank)
        let layers = spec.unitCount
        schedule = config.schedule
        microBatches = (config.splitsModel ? config.microBatches : 1) * max(accumulateSteps, 1)
        let v = config.virtualStages
        if let problem = PipelineSchedule.requirement(stages: config.pipeline, microBatches: microBatches, virtualStages: v) { throw problem }
        unitCosts = spec.unitCosts
        if let lists = config.stages {
            plan = try StagePlan(explicit: lists, layers: layers, stages: config.pipeline, virtualStages: v)
        } else {
            plan = try StagePlan(balancing: unitCosts, stages: config.pipeline, virtualStages: v)
        }
        let c = coordinates
        dp = try world.split(color: c.tp + grid.tp * c.pp, key: c.dp)
        tp = try world.split(color: c.dp + grid.dp * c.pp, key: c.tp)
        shard = Self.layout(spec: spec, plan: plan, stage: c.pp, tp: grid.tp, tpRank: c.tp)
        arena = ParameterArena(shard.slotSpecs)
        let dp = self.dp
        // Batch normalization takes its statistics over the global batch: summed over the replicas.
        let replicas: SumReducer? = dp.size > 1 ? { p, n in try dp.allreduceSum(p, count: n) } : nil
        let chunks = try shard.makeChunkLayers(spec: spec, arena: arena, tp: tp, replicas: replicas).map { StageNetwork(layers: $0) }
        let grid = self.grid
        pipeline = Pipeline(chunks: chunks, index: c.pp, stages: grid.pp, schedule: schedule, microBatches: microBatches,
                            layersCommunicate: grid.tp > 1 || (spec.norm == .batch && grid.dp > 1), comm: world,
                            stageRanks: (0..<grid.pp).map { grid.rank(at: GridCoordinates(dp: c.dp, tp: c.tp, pp: $0)) })
    }

    /// Each pipeline stage's share of the modelled cost (its chunks' `unitCosts`).
    var stageCostShares: [Double] {
        let total = Double(max(unitCosts.reduce(0, +), 1))
        return (0..<grid.pp).map { s in Double(plan.chunks(ofStage: s).flatMap { $0 }.reduce(0) { $0 + unitCosts[$1] }) / total }
    }

    /// The bubble `PipelineSimulator` predicts for this plan and schedule with the modelled
    /// costs (backward twice forward): what the stages' imbalance adds to the schedule's own.
    var predictedBubble: Double? {
        let v = plan.virtualStages
        let chunkCost = plan.stages.map { r in Double(r.reduce(0) { $0 + unitCosts[$1] }) }
        return PipelineSimulator.run(schedule, stages: grid.pp, microBatches: microBatches, virtualStages: v,
                                     forward: { s, c in chunkCost[c * self.grid.pp + s] / 3 },
                                     backward: { s, c in 2 * chunkCost[c * self.grid.pp + s] / 3 })?.bubble
    }

    /// The shard of `spec` at pipeline stage `stage`, tensor-parallel rank `tpRank` of `tp`.
    static func layout(spec: NetworkSpec, plan: StagePlan, stage: Int, tp: Int, tpRank: Int) -> ShardLayout {
        spec.residual != nil ? ShardLayout(residual: spec, plan: plan, stage: stage, tp: tp, tpRank: tpRank)
            : ShardLayout(widths: spec.widths, norm: spec.norm, embedding: spec.embedding, plan: plan, stage: stage, tp: tp, tpRank: tpRank)
    }

    /// Sets the watchdog and the step it reports on the grid's communicators (as on the world).
    func watch(_ watchdog: Watchdog?) {
        dp.watchdog = watchdog
        tp.watchdog = watchdog
    }

    /// The training step the watchdog names.
    var step: Int {
        get { dp.step }
        set { dp.step = newValue; tp.step = newValue; pipeline.watch(step: newValue) }
    }

    /// The slots of the consolidated (single-process) arena (computed once; no buffers).
    let fullSlots: [ParameterSlot]

    /// Assembles a per-parameter buffer (parameters, a moment, best parameters) `[arena.count]`
    /// from every shard into the consolidated layout on world rank 0 (nil elsewhere). A
    /// collective over the world.
    func consolidate(_ local: FloatBuffer) throws -> [Float]? {
        // One rank per replica (tp = pp = 1): rank 0 already holds the whole model.
        if !splitsModel { return world.rank == 0 ? local.array : nil }
        let bytes: [UInt8] = coordinates.dp == 0
            ? UnsafeRawBufferPointer(start: local.base, count: local.count * 4).map { $0 } : []
        let parts = try world.gather(bytes: bytes)
        guard world.rank == 0 else { return nil }
        var full = [Float](repeating: 0, count: shard.fullCount)
        for (rank, part) in parts.enumerated() where !part.isEmpty {
            let c = grid.coordinates(of: rank)
            let layout = Self.layout(spec: spec, plan: plan, stage: c.pp, tp: grid.tp, tpRank: c.tp)
            guard part.count == layout.localCount * 4 else {
                throw TrainingError(.shardSize(rank: rank, sent: part.count / 4, expected: layout.localCount))
            }
            let values = part.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            values.withUnsafeBufferPointer { v in
                full.withUnsafeMutableBufferPointer { f in
                    if let vb = v.baseAddress, let fb = f.baseAddress { layout.insert(vb, into: fb) }
                }
            }
        }
        return full
    }

    /// Copies this rank's shard out of a consolidated buffer `[fullCount]` into `local`.
    func extract(_ full: [Float], into local: FloatBuffer) {
        full.withUnsafeBufferPointer { f in if let fb = f.baseAddress { shard.extract(from: fb, into: local.base) } }
    }

    /// Where this rank sits, for the first log line and summary.json.
    var stageDescription: String {
        func layers(_ r: Range<Int>) -> String { r.count == 1 ? "\(r.lowerBound)" : "\(r.lowerBound)-\(r.upperBound - 1)" }
        let shares = stageCostShares
        return (0..<grid.pp).map { s in
            let chunks = plan.chunks(ofStage: s)
            let plural = chunks.count > 1 || chunks[0].count > 1
            return "stage \(s): layer\(plural ? "s" : "") \(chunks.map(layers).joined(separator: " + ")) (cost \(Int((shares[s] * 100).rounded()))%)"
        }.joined(separator: ", ")
    }
}
