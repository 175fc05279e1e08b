/// A model-parallel layout that cannot work: a world size the grid does not divide, more
/// pipeline stages than layers, a stage assignment that misses or repeats a layer.
public struct ParallelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong with the layout. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// `parallel.tensor` or `parallel.pipeline` (`key`) is below 1.
        case belowOne(key: String, got: Int)
        /// More pipeline stages than the model has dense layers.
        case moreStagesThanLayers(stages: Int, layers: Int)
        /// `parallel.stages` has `listed` lists, but `parallel.pipeline` is `pipeline` (with
        /// `virtualStages` chunks per stage, `pipeline x virtualStages` lists are needed).
        case stageCountMismatch(listed: Int, pipeline: Int, virtualStages: Int = 1)
        /// Stage `stage` of `parallel.stages` is empty.
        case emptyStage(stage: Int)
        /// Stage `stage` starts at `first`, but `layer` was already assigned (`first < layer`)
        /// or is missing (`first > layer`); the model has `layers` dense layers.
        case outOfOrder(stage: Int, first: Int, expected: Int, layers: Int)
        /// Stage `stage` lists layer `after` right after `before`.
        case notConsecutive(stage: Int, before: Int, after: Int)
        /// Stage `stage` names `layer`, past the model's `layers` dense layers.
        case layerOutOfRange(stage: Int, layer: Int, layers: Int)
        /// Layers `from..<layers` are in no stage.
        case unassigned(from: Int, layers: Int)
        /// `world` ranks do not divide into `tensor x pipeline` groups.
        case worldNotDivisible(world: Int, tensor: Int, pipeline: Int)
        /// `parallel.virtual_stages` is above 1 without pipeline parallelism.
        case virtualStagesWithoutPipeline(virtualStages: Int)
        /// The interleaved schedule moves micro-batches in groups of `pipeline`; `microBatches`
        /// is not a multiple of it.
        case microBatchesNotMultiple(microBatches: Int, pipeline: Int, virtualStages: Int)
        /// `pipeline x virtualStages` model chunks need at least as many dense layers; the model has `layers`.
        case moreChunksThanLayers(pipeline: Int, virtualStages: Int, layers: Int)
    }

    /// What is wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// The config key path the error is about (its message starts with it): `parallel.tensor`,
    /// `parallel.pipeline` or `parallel.stages`; nil for a grid the world size does not divide,
    /// which is about the world size, tensor and pipeline together.
    public var keyPath: String? {
        switch reason {
        case .belowOne(let key, _): key
        case .moreStagesThanLayers: "parallel.pipeline"
        case .stageCountMismatch, .emptyStage, .outOfOrder, .notConsecutive, .layerOutOfRange, .unassigned: "parallel.stages"
        case .worldNotDivisible: nil
        case .virtualStagesWithoutPipeline, .moreChunksThanLayers: "parallel.virtual_stages"
        case .microBatchesNotMultiple: "parallel.micro_batches"
        }
    }

    public var description: String {
        switch reason {
        case .belowOne(let key, let got):
            return "\(key) must be at least 1 (got \(got))"
        case .moreStagesThanLayers(let count, let n):
            return "parallel.pipeline \(count) is more stages than the model's \(n) dense layer\(n == 1 ? "" : "s"); every stage needs at least one layer (use parallel.pipeline <= \(n), or add hidden layers)"
        case .stageCountMismatch(let listed, let count, let v):
            let needed = v == 1 ? "parallel.pipeline is \(count)" : "parallel.pipeline \(count) x parallel.virtual_stages \(v) needs \(count * v) (chunk c runs on stage c mod \(count))"
            return "parallel.stages lists \(listed) stage\(listed == 1 ? "" : "s") but \(needed)"
        case .emptyStage(let s):
            return "parallel.stages: stage \(s) has no layers"
        case .outOfOrder(let s, let first, let next, let layers):
            let problem = first < next ? "layer \(first) is assigned twice" : "layer \(next) is not assigned to any stage"
            return "parallel.stages: \(problem) (stage \(s) starts at layer \(first); stages must cover layers 0..\(layers - 1) in order, each exactly once)"
        case .notConsecutive(let s, let a, let b):
            return "parallel.stages: stage \(s) lists layers \(a) then \(b); a stage holds consecutive layers"
        case .layerOutOfRange(let s, let layer, let layers):
            return "parallel.stages: stage \(s) names layer \(layer) but the model has \(layers) dense layers (0..\(layers - 1))"
        case .unassigned(let next, let layers):
            return "parallel.stages: layers \(next)..\(layers - 1) are not assigned to any stage"
        case .worldNotDivisible(let world, let tensor, let pipeline):
            let group = tensor * pipeline
            let sizes = (1...4).map { String($0 * group) }.joined(separator: ", ")
            return "\(world) rank\(world == 1 ? "" : "s") cannot form a grid of parallel.tensor \(tensor) x parallel.pipeline \(pipeline): the world size must be a multiple of \(group) (e.g. \(sizes) ranks), or change parallel.tensor / parallel.pipeline"
        case .virtualStagesWithoutPipeline(let v):
            return "parallel.virtual_stages \(v) needs pipeline parallelism (parallel.pipeline of at least 2); use parallel.virtual_stages 1"
        case .microBatchesNotMultiple(let m, let p, let v):
            let lower = m / p * p, upper = lower + p
            return "parallel.micro_batches \(m) is not a multiple of parallel.pipeline \(p), which the interleaved schedule (parallel.virtual_stages \(v)) needs: use \(lower > 0 ? "\(lower) or " : "")\(upper)"
        case .moreChunksThanLayers(let p, let v, let n):
            return "parallel.virtual_stages \(v) x parallel.pipeline \(p) is \(p * v) model chunks but the model has \(n) dense layer\(n == 1 ? "" : "s"); every chunk needs at least one layer (use parallel.virtual_stages <= \(max(n / p, 1)), or add hidden layers)"
        }
    }
}
