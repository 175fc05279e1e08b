import TandemComm
import TandemModel
import TandemOptim
import TandemTensor

/// One data-parallel optimizer step: forward and loss on this rank's slice of the global batch,
/// backward, gradient allreduce (sum of per-rank gradients already divided by the global batch
/// size), global-norm clipping, and the optimizer update.
///
/// The caller writes this rank's rows into `inputs` `[rows, network inputs]` and `labels` or
/// `targets` first. Nothing is allocated per step.
public final class TrainingStep {
    public let network: Network
    public let head: LossHead
    public let optimizer: Optimizer
    public let comm: Communicator
    public let clipGradNorm: Double
    public let seed: UInt64
    /// This rank's batch rows `[capacity, inputs]`.
    public let inputs: FloatBuffer
    /// Class indices `[capacity]`.
    public let labels: UnsafeMutableBufferPointer<Int32>
    /// Regression targets `[capacity, outputs]`.
    public let targets: FloatBuffer
    private let scratch: FloatBuffer
    public let capacity: Int
    /// Reduces the gradients over the ranks (bucketed and overlapped, or plain).
    public let sync: GradientSync
    let timeline: Timeline?

    /// `capacity`: the most rows this rank will hold in one step.
    public init(network: Network, head: LossHead, optimizer: Optimizer, comm: Communicator,
                clipGradNorm: Double, seed: UInt64, capacity: Int, sync: GradientSync? = nil, timeline: Timeline? = nil) {
        self.sync = sync ?? GradientSync(comm: comm, arena: network.arena, overlap: false, timeline: timeline)
        self.timeline = timeline
        self.network = network
        self.head = head
        self.optimizer = optimizer
        self.comm = comm
        self.clipGradNorm = clipGradNorm
        self.seed = seed
        self.capacity = max(capacity, 1)
        inputs = FloatBuffer(count: self.capacity * network.spec.inputs)
        labels = UnsafeMutableBufferPointer.allocate(capacity: self.capacity)
        labels.initialize(repeating: 0)
        targets = FloatBuffer(count: self.capacity * head.outputs)
        scratch = FloatBuffer(count: self.capacity * head.probabilityWidth)
        network.reserve(rows: self.capacity)
    }

    deinit { labels.deallocate() }

    /// Runs the step on the first `rows` rows of the buffers, which start at position
    /// `rowOffset` of a global batch of `globalCount` rows. Returns the global loss sum and the
    /// gradient norm before clipping (both identical on every rank). `signals` (e.g. "stop
    /// requested") ride along in the loss allreduce and come back summed over the ranks, so the
    /// ranks agree on them at no extra cost.
    public func run(rows: Int, globalCount: Int, rowOffset: Int, step: Int, lr: Double,
                    signals: [Double] = []) throws -> (lossSum: Double, gradNorm: Double, signals: [Double]) {
        let arena = network.arena
        arena.zeroGrads()
        var loss = 0.0
        sync.beginStep()
        if rows > 0 {
            let context = ForwardContext(training: true, step: step, rowOffset: rowOffset, seed: seed)
            var t = timeline?.now()
            let out = network.forward(inputs.base, rows: rows, context: context)
            loss = head.lossSum(output: out, labels: UnsafePointer(labels.baseAddress), targets: targets.base, rows: rows,
                                scratch: scratch.base, dOutput: network.outputGradient, gradScale: 1 / Float(globalCount))
            if let s = t { timeline?.span("forward", "compute", from: s, step: step); t = timeline?.now() }
            network.backward(parametersReady: sync.overlap ? { [sync] in sync.parametersReady($0) } : nil)
            if let s = t { timeline?.span("backward", "compute", from: s, step: step) }
        }
        let waitStart = timeline?.now()
        try sync.finish()
        if let s = waitStart { timeline?.span("gradient sync wait", "comm", from: s, step: step) }
        var summed = signals
        if comm.size > 1 {
            let reduced = try sync.reducer?.allreduceSum([loss] + signals) ?? comm.allreduceSum([loss] + signals)
            loss = reduced[0]
            summed = Array(reduced.dropFirst())
        }
        let norm = GradientClipping.clip(arena.grads.base, count: arena.count, maxNorm: clipGradNorm)
        try TrainingError.requireFinite(loss: loss, gradNorm: norm, step: step)
        let optStart = timeline?.now()
        optimizer.step(params: arena.params.base, grads: arena.grads.base, lr: lr)
        if let s = optStart { timeline?.span("optimizer", "compute", from: s, step: step) }
        return (loss, norm, summed)
    }
}

/// Training failed in a way that is not a config or data problem (e.g. the loss diverged).
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// Throws when the step's global loss or gradient norm (the same on every rank) diverged.
    static func requireFinite(loss: Double, gradNorm norm: Double, step: Int) throws {
        guard loss.isFinite, norm.isFinite else {
            let what = loss.isFinite ? "the gradient norm became \(norm.isNaN ? "NaN" : "\(norm)")"
                                     : "the loss became \(loss.isNaN ? "NaN" : "\(loss)")"
            throw TrainingError("\(what) at step \(step + 1); try a lower train.optimizer.lr, train.clip_grad_norm, or check the data for extreme values")
        }
    }
}
