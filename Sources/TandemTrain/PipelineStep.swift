import TandemComm
import TandemModel
import TandemOptim
import TandemParallel
import TandemTensor

/// One optimizer step under model parallelism: this data-parallel rank's share of the global
/// batch split into micro-batches and run through the pipeline (forward and backward per the
/// schedule, gradients accumulating across micro-batches), then the gradients of this shard
/// summed over the data-parallel group, the global gradient norm taken over the whole model
/// (each element once), clipping, and the optimizer update of this shard.
///
/// The caller writes this rank's rows into `inputs` `[rows, network inputs]` and `labels` or
/// `targets` (every rank of a model replica loads the same rows: the first stage reads the
/// inputs, the last the labels).
final class PipelineStep: StepRunner {
    let model: ParallelModel
    let head: LossHead
    let optimizer: Optimizer
    let clipGradNorm: Double
    let seed: UInt64
    let inputs: FloatBuffer
    let labels: UnsafeMutableBufferPointer<Int32>
    let targets: FloatBuffer
    private let scratch: FloatBuffer
    let capacity: Int
    let timeline: Timeline?
    /// Seconds this stage waited for its neighbours, summed over steps (pipeline bubble).
    private(set) var waitSeconds = 0.0
    private(set) var computeSeconds = 0.0

    init(model: ParallelModel, head: LossHead, optimizer: Optimizer, clipGradNorm: Double, seed: UInt64, capacity: Int, timeline: Timeline?) {
        self.model = model
        self.head = head
        self.optimizer = optimizer
        self.clipGradNorm = clipGradNorm
        self.seed = seed
        self.capacity = max(capacity, 1)
        self.timeline = timeline
        inputs = FloatBuffer(count: self.capacity * model.spec.inputs)
        labels = UnsafeMutableBufferPointer.allocate(capacity: self.capacity)
        labels.initialize(repeating: 0)
        targets = FloatBuffer(count: self.capacity * head.outputs)
        scratch = FloatBuffer(count: self.capacity * head.probabilityWidth)
        model.stage.reserve(rows: EvenSplit.range(total: self.capacity, parts: model.microBatches, index: 0).count)
    }

    deinit { labels.deallocate() }

    func run(rows: Int, globalCount: Int, rowOffset: Int, step: Int, lr: Double,
             signals: [Double]) throws -> (lossSum: Double, gradNorm: Double, signals: [Double]) {
        let arena = model.arena
        arena.zeroGrads()
        let parts = (0..<model.microBatches).map { EvenSplit.range(total: rows, parts: model.microBatches, index: $0) }
        let inWidth = model.spec.inputs, outWidth = head.outputs
        let scale = 1 / Float(globalCount)
        let begin = timeline?.now()
        let clock = MonotonicClock.now()
        var loss = try model.pipeline.trainStep(
            model.schedule, rows: parts.map(\.count),
            context: { ForwardContext(training: true, step: step, rowOffset: rowOffset + parts[$0].lowerBound, seed: self.seed) },
            load: { k, x in x.update(from: self.inputs.base + parts[k].lowerBound * inWidth, count: parts[k].count * inWidth) },
            loss: { k, out, dOut in
                let r = parts[k]
                return self.head.lossSum(output: out, labels: self.labels.baseAddress.map { UnsafePointer($0 + r.lowerBound) },
                                         targets: UnsafePointer(self.targets.base + r.lowerBound * outWidth), rows: r.count,
                                         scratch: self.scratch.base, dOutput: dOut, gradScale: scale)
            })
        waitSeconds += model.pipeline.waitSeconds
        computeSeconds += MonotonicClock.now() - clock - model.pipeline.waitSeconds
        if let s = begin { timeline?.span("pipeline forward+backward", "compute", from: s, step: step) }
        let syncStart = timeline?.now()
        try model.dp.allreduceSum(arena.grads.base, count: arena.count)
        if let s = syncStart { timeline?.span("gradient allreduce", "comm", from: s, step: step) }
        // The loss counts once per replica (last stage, tensor rank 0); the squared norm once per
        // element of the whole model (data-parallel rank 0, owned elements).
        var squares = 0.0
        if model.coordinates.dp == 0 {
            for r in model.shard.ownedRanges { squares += Elementwise.sumOfSquares(arena.grads.base + r.lowerBound, count: r.count) }
        }
        if !(model.pipeline.isLast && model.coordinates.tp == 0) { loss = 0 }
        let reduced = try model.world.allreduceSum([loss, squares] + signals)
        loss = reduced[0]
        let norm = reduced[1].squareRoot()
        try TrainingError.requireFinite(loss: loss, gradNorm: norm, step: step)
        GradientClipping.scale(arena.grads.base, count: arena.count, norm: norm, maxNorm: clipGradNorm)
        let optStart = timeline?.now()
        optimizer.step(params: arena.params.base, grads: arena.grads.base, lr: lr)
        if let s = optStart { timeline?.span("optimizer", "compute", from: s, step: step) }
        return (loss, norm, Array(reduced.dropFirst(2)))
    }

    /// The measured bubble: the share of pipeline time this stage spent waiting for neighbours.
    var bubbleFraction: Double { waitSeconds / max(waitSeconds + computeSeconds, 1e-12) }
}

/// What the training loop needs of a step: batch buffers to fill and `run`.
protocol StepRunner: AnyObject {
    /// This rank's batch rows `[capacity, inputs]`.
    var inputs: FloatBuffer { get }
    /// Class indices `[capacity]`.
    var labels: UnsafeMutableBufferPointer<Int32> { get }
    /// Regression targets `[capacity, outputs]`.
    var targets: FloatBuffer { get }
    /// Runs the step on the first `rows` rows, at `rowOffset` of a global batch of
    /// `globalCount` rows; returns the global loss sum, the gradient norm before clipping and
    /// `signals` summed over the ranks (all identical on every rank).
    func run(rows: Int, globalCount: Int, rowOffset: Int, step: Int, lr: Double,
             signals: [Double]) throws -> (lossSum: Double, gradNorm: Double, signals: [Double])
}

extension TrainingStep: StepRunner {}
