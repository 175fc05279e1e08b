import TandemComm
import TandemModel
import TandemOptim
import TandemParallel
import TandemTensor

/// One optimizer step, the same for every layout (data parallelism is the grid with tp = pp = 1
/// and one micro-batch): this data-parallel rank's share of the global batch, split into
/// micro-batches and run through the pipeline (forward and backward per the schedule, gradients
/// accumulating across micro-batches; with one stage simply forward, loss, backward), then the
/// shard's gradients summed over the data-parallel replicas by `GradientSync` (bucketed, and
/// overlapped with backward when the training thread makes no MPI calls during backward), the
/// global gradient norm over the whole model (each element counted once), clipping, and the
/// optimizer update of this shard.
///
/// The caller writes this rank's rows into `inputs` `[rows, network inputs]` and `labels` or
/// `targets` first (every rank of a model replica loads the same rows: the first stage reads
/// the inputs, the last the labels). Nothing is allocated per step.
final class TrainingStep {
    let model: ParallelModel
    let head: LossHead
    let optimizer: Optimizer
    let clipGradNorm: Double
    let seed: UInt64
    /// This rank's batch rows `[capacity, inputs]`.
    let inputs: FloatBuffer
    /// Class indices `[capacity]`.
    let labels: UnsafeMutableBufferPointer<Int32>
    /// Regression targets `[capacity, outputs]`.
    let targets: FloatBuffer
    /// Per-class loss weights `[classes]` (`train.class_weight`), or nil.
    let classWeights: UnsafeMutableBufferPointer<Float>?
    private let scratch: FloatBuffer
    let capacity: Int
    /// Sums the gradients over the data-parallel replicas.
    let sync: GradientSync
    let timeline: Timeline?
    /// Micro-batch k's rows of this rank's share, and their counts (reused every step).
    private var parts: [Range<Int>]
    private var partRows: [Int]
    /// The shard's elements counted in the global gradient norm.
    private let owned: [Range<Int>]
    /// Biases a batch normalization removes (`NetworkSpec.redundantBiases`): gradient set to zero.
    private let frozen: [Range<Int>]
    /// A world of one rank without gradient clipping, whose optimizer sums the gradient's squares
    /// in its update: the norm is read from that pass (reported, never needed before the update).
    private let fusesNorm: Bool
    /// A split model (pipeline stages) without clipping whose optimizer sums the gradient's squares
    /// in its update, over every element of the shard: each stage updates as soon as its own
    /// gradients are complete and reads its share of the norm from that pass, before the step's
    /// allreduce (which then waits for the slowest stage's update, not its gradients). A diverged
    /// step still throws on every rank after the allreduce, which ends training.
    private let updatesBeforeReduce: Bool
    /// Dense weight gradients each step writes once (one micro-batch on an unsplit model, or a
    /// pipeline stage's deferred weight gradients): their layers overwrite them
    /// (`Dense.overwritesWeightGradient`), so the step does not zero them.
    private let overwritten: [Range<Int>]
    /// Seconds this stage waited for its neighbours, and computed, summed over steps (pipeline bubble).
    private(set) var waitSeconds = 0.0
    private(set) var computeSeconds = 0.0
    /// Seconds this stage spent inside its layers, summed over steps.
    private(set) var layerSeconds = 0.0
    /// When the pipeline op being traced began (timeline only).
    private var opStart = 0.0
    /// Called after each forward and each backward pass through this stage's layers (the loop
    /// fetches the next batch's rows there, `BatchPrefetch`); nil: nothing.
    var afterPass: ((PipelineOp.Pass) -> Void)? { didSet { makeObserver() } }
    /// What the pipeline calls before and after each pass (`observe`): made once, so a step
    /// allocates no closure; nil when neither the timeline nor `afterPass` wants it.
    private var observer: ((PipelineOp, Bool) -> Void)?
    /// The step `run` is in (the timeline's spans name it).
    private var stepNumber = 0
    /// The step's loss, squared norm and signals, reduced in place (most signals a step carries: `maxSignals`).
    private let reduced: UnsafeMutablePointer<Double>
    static let maxSignals = 6

    /// `capacity`: the most rows this rank will hold in one step.
    init(model: ParallelModel, head: LossHead, optimizer: Optimizer, clipGradNorm: Double, seed: UInt64, capacity: Int,
         sync: GradientSync, timeline: Timeline? = nil, classWeights: [Float]? = nil) {
        self.model = model
        self.classWeights = classWeights.map { w in
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: w.count)
            _ = p.initialize(from: w)
            return p
        }
        self.head = head
        self.optimizer = optimizer
        self.clipGradNorm = clipGradNorm
        self.seed = seed
        self.capacity = max(capacity, 1)
        self.sync = sync
        self.timeline = timeline
        inputs = FloatBuffer(count: self.capacity * model.spec.inputs)
        labels = UnsafeMutableBufferPointer.allocate(capacity: self.capacity)
        labels.initialize(repeating: 0)
        reduced = UnsafeMutablePointer.allocate(capacity: 2 + Self.maxSignals)
        reduced.initialize(repeating: 0, count: 2 + Self.maxSignals)
        targets = FloatBuffer(count: self.capacity * head.outputs)
        scratch = FloatBuffer(count: self.capacity * head.probabilityWidth)
        parts = [Range<Int>](repeating: 0..<0, count: model.microBatches)
        partRows = [Int](repeating: 0, count: model.microBatches)
        // One range when a replica is one rank, per parameter run otherwise: the blocking the
        // former data- and model-parallel steps summed in, so grad_norm stays bit-identical
        // (`sumOfSquares` accumulates Float lanes in blocks, so the grouping shows at ~1e-8).
        owned = model.splitsModel ? model.shard.ownedRanges : [0..<model.arena.count]
        let redundant = Set(model.spec.redundantBiases)
        frozen = model.arena.slots.filter { redundant.contains($0.name) }.map { $0.offset..<($0.offset + $0.count) }
        fusesNorm = model.world.size == 1 && clipGradNorm <= 0 && optimizer.sumsSquaresInStep
            && owned == [0..<model.arena.count] && optimizer.count == model.arena.count
        // Also every dense layer of a pipeline stage that defers its weight gradients: each chunk
        // computes its dW once per step, as one product over the whole batch (`StageNetwork.weightGradients`).
        let coversShard = owned.first?.lowerBound == 0 && owned.last?.upperBound == model.arena.count
            && zip(owned, owned.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }
        updatesBeforeReduce = model.splitsModel && clipGradNorm <= 0 && optimizer.sumsSquaresInStep
            && optimizer.count == model.arena.count && coversShard
        let writesOnce = model.pipeline.defersWeightGradients
            || (model.microBatches == 1 && !model.splitsModel)
        let dense = writesOnce ? model.pipeline.chunks.flatMap { $0.layers.compactMap { $0 as? Dense } } : []
        for d in dense { d.overwritesWeightGradient = true }
        overwritten = dense.map(\.weightRange).filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
        model.pipeline.timesLayers = model.splitsModel
        model.pipeline.reserve(rows: EvenSplit.range(total: self.capacity, parts: model.microBatches, index: 0).count)
        makeObserver()
    }

    deinit {
        labels.deallocate()
        classWeights?.deallocate()
        reduced.deallocate()
    }

    /// Signal `index` of the last `run`, summed over the ranks.
    func signal(_ index: Int) -> Double { reduced[2 + index] }

    /// The timeline span of a pipeline op's compute.
    static func spanName(_ pass: PipelineOp.Pass) -> String {
        switch pass {
        case .forward: "forward"
        case .backward: "backward"
        case .weights: "weight gradients"
        case .packs: "weight packs"
        }
    }

    /// Runs the step on the first `rows` rows of the buffers, which start at position
    /// `rowOffset` of a global batch of `globalCount` rows. Returns the global loss sum and the
    /// gradient norm before clipping (both identical on every rank). `signals` (e.g. "stop
    /// requested") ride along in the loss allreduce and come back summed over the ranks, so the
    /// ranks agree on them at no extra cost. With class weights, `globalWeight` is the sum of
    /// the global batch's row weights (the same on every rank): the gradient is that of the
    /// weighted mean, and the loss sum returned is the weighted sum.
    /// `signal(i)` reads the signals back.
    @discardableResult
    func run(rows: Int, globalCount: Int, rowOffset: Int, step: Int, lr: Double,
             signals: [Double] = [], globalWeight: Double? = nil) throws -> (lossSum: Double, gradNorm: Double) {
        precondition(signals.count <= Self.maxSignals, "TrainingStep.run: more than \(Self.maxSignals) signals")
        let arena = model.arena
        arena.zeroGrads(except: overwritten)
        sync.beginStep()
        for k in parts.indices {
            parts[k] = EvenSplit.range(total: rows, parts: parts.count, index: k)
            partRows[k] = parts[k].count
        }
        let parts = self.parts
        let inWidth = model.spec.inputs, outWidth = head.outputs
        let scale = globalWeight.map { Float(1 / $0) } ?? 1 / Float(globalCount)
        let weights = classWeights.flatMap { UnsafePointer($0.baseAddress) }
        // The bubble and layer seconds are reported for a split model only: no clock reads otherwise.
        let clock = model.splitsModel ? ContinuousClock.now : nil
        let sync = self.sync
        stepNumber = step
        var loss = try model.pipeline.trainStep(
            rows: partRows,
            context: { ForwardContext(training: true, step: step, rowOffset: rowOffset + parts[$0].lowerBound, seed: self.seed) },
            input: { UnsafePointer(self.inputs.base + parts[$0].lowerBound * inWidth) },
            loss: { k, out, dOut in
                let r = parts[k]
                return self.head.lossSum(output: out, labels: self.labels.baseAddress.map { UnsafePointer($0 + r.lowerBound) },
                                         targets: UnsafePointer(self.targets.base + r.lowerBound * outWidth), rows: r.count,
                                         scratch: self.scratch.base, dOutput: dOut, gradScale: scale,
                                         classWeights: weights)
            },
            gradientsReady: { sync.parametersReady($0) },
            observe: observer)
        // Before the sync reads them: with batch norm on several replicas the layers make MPI
        // calls in backward, so the sync is never overlapped then (`Pipeline.backwardCommunicates`).
        for r in frozen { (arena.grads.base + r.lowerBound).update(repeating: 0, count: r.count) }
        if let clock {
            waitSeconds += model.pipeline.waitSeconds
            computeSeconds += clock.secondsElapsed - model.pipeline.waitSeconds
            layerSeconds += model.pipeline.layerSeconds
        }
        let waitStart = timeline?.now()
        try sync.finish()
        if let s = waitStart { timeline?.span("gradient sync wait", "comm", from: s, step: step) }
        // One rank without clipping: the squared norm comes from the optimizer's own pass over
        // the gradient (the same bits, `Optimizer.stepSummingSquares`), which updates nothing
        // when the gradient is not finite: then the norm is summed as below and reported.
        if fusesNorm && loss.isFinite {
            for (i, v) in signals.enumerated() { reduced[2 + i] = v }
            let optStart = timeline?.now()
            if let squares = optimizer.stepSummingSquares(params: arena.params.base, grads: arena.grads.base, lr: lr) {
                if let s = optStart { timeline?.span("optimizer", "compute", from: s, step: step) }
                reduced[0] = loss
                reduced[1] = squares
                return (loss, squares.squareRoot())
            }
        }
        // The loss counts once per replica (last stage, tensor rank 0); the squared norm once per
        // element of the whole model (data-parallel rank 0, owned elements).
        let countsLoss = model.pipeline.isLast && model.coordinates.tp == 0
        if updatesBeforeReduce && loss.isFinite {
            let optStart = timeline?.now()
            if let squares = optimizer.stepSummingSquares(params: arena.params.base, grads: arena.grads.base, lr: lr) {
                if let s = optStart { timeline?.span("optimizer", "compute", from: s, step: step) }
                reduced[0] = countsLoss ? loss : 0
                reduced[1] = model.coordinates.dp == 0 ? squares : 0
                for (i, v) in signals.enumerated() { reduced[2 + i] = v }
                try model.world.allreduceSum(reduced, count: 2 + signals.count)
                let norm = reduced[1].squareRoot()
                try TrainingError.requireFinite(loss: reduced[0], gradNorm: norm, step: step)
                return (reduced[0], norm)
            }
        }
        var squares = 0.0
        if model.coordinates.dp == 0 {
            for r in owned { squares += Elementwise.sumOfSquares(arena.grads.base + r.lowerBound, count: r.count) }
        }
        if !countsLoss { loss = 0 }
        reduced[0] = loss
        reduced[1] = squares
        for (i, v) in signals.enumerated() { reduced[2 + i] = v }
        try model.world.allreduceSum(reduced, count: 2 + signals.count)
        loss = reduced[0]
        let norm = reduced[1].squareRoot()
        try TrainingError.requireFinite(loss: loss, gradNorm: norm, step: step)
        GradientClipping.scale(arena.grads.base, count: arena.count, norm: norm, maxNorm: clipGradNorm)
        let optStart = timeline?.now()
        optimizer.step(params: arena.params.base, grads: arena.grads.base, lr: lr)
        if let s = optStart { timeline?.span("optimizer", "compute", from: s, step: step) }
        return (loss, norm)
    }

    private func makeObserver() {
        observer = timeline == nil && afterPass == nil ? nil : { [unowned self] op, begins in self.observe(op, begins: begins) }
    }

    /// Before a pass (`begins`): notes the time for the timeline; after it: the pass's span, then `afterPass`.
    private func observe(_ op: PipelineOp, begins: Bool) {
        if begins {
            if let timeline { opStart = timeline.now() }
            return
        }
        if let timeline {
            timeline.span(Self.spanName(op.pass), "compute", from: opStart, step: stepNumber)
        }
        afterPass?(op.pass)
    }

    /// The measured bubble: the share of pipeline time this stage spent waiting for neighbours.
    var bubbleFraction: Double { waitSeconds / max(waitSeconds + computeSeconds, 1e-12) }
}
