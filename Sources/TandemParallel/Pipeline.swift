import TandemComm
import TandemModel
import TandemTensor

/// Runs a stage's part of the pipeline: micro-batch activations go forward to the next stage
/// and their gradients come back, with MPI point-to-point messages between neighbouring stages
/// of the same (dp, tp) position (non-blocking sends, blocking receives). With one stage (no
/// neighbours) it is a plain forward / loss / backward per micro-batch: the data-parallel step.
public final class Pipeline {
    public let stage: StageNetwork
    /// The communicator the stage neighbours are ranks of (the world).
    let comm: Communicator
    /// Rank of the previous / next stage, nil at the ends.
    let previous: Int?
    let next: Int?
    /// Number of pipeline stages.
    public let stages: Int
    /// This stage's ops for one training step (fixed schedule and micro-batch count).
    public let ops: [PipelineOp]
    /// Whether the layers make MPI calls of their own (tensor parallelism, batch normalization
    /// over several data-parallel replicas).
    let layersCommunicate: Bool
    /// Seconds spent blocked in receives during the last call (the stage's share of the bubble).
    public private(set) var waitSeconds = 0.0
    /// Sends still reading each slot's buffers.
    private var pending: [[PendingSend]] = []
    private var slotOf: [Int]

    /// `index`: this stage's position of `stages`; `layersCommunicate`: the stage's layers make
    /// collective calls (tensor parallelism), so no progress thread may call MPI beside them.
    public init(stage: StageNetwork, index: Int, stages: Int, schedule: PipelineScheduleKind, microBatches: Int,
                layersCommunicate: Bool, comm: Communicator, previous: Int?, next: Int?) {
        self.stage = stage
        self.stages = stages
        self.comm = comm
        self.previous = previous
        self.next = next
        self.layersCommunicate = layersCommunicate
        ops = PipelineSchedule.ops(schedule, stage: index, stages: stages, microBatches: microBatches)
        slotOf = [Int](repeating: -1, count: microBatches)
    }

    public var isFirst: Bool { previous == nil }
    public var isLast: Bool { next == nil }
    /// Whether the training thread makes MPI calls between backward's first and last layer
    /// (messages to neighbouring stages, tensor-parallel collectives).
    public var backwardCommunicates: Bool { stages > 1 || layersCommunicate }

    /// A free slot, once the sends still reading it are done.
    private func acquire() throws -> Int {
        let slot = stage.acquire()
        while pending.count <= slot { pending.append([]) }
        for p in pending[slot] { try p.wait() }
        pending[slot].removeAll(keepingCapacity: true)
        return slot
    }

    /// One training step's forward and backward passes over micro-batches of `rows[k]` rows
    /// (the same on every stage; `rows.count` is the micro-batch count the pipeline was made
    /// for), in the schedule's order. Gradients accumulate into the layers' arena (not zeroed
    /// here). On the first stage `input(k)` gives micro-batch k's input `[rows[k], inputWidth]`
    /// (valid for the whole step); on the last, `loss(k, output, dOutput)` computes the loss sum
    /// and d loss / d output `[rows[k], outputWidth]`. `gradientsReady` gets each layer's
    /// parameter range once its gradients are complete (during the last micro-batch's backward).
    /// `observe(op, begins)` is called before and after each op's compute. Returns the summed
    /// loss (0 except on the last stage).
    public func trainStep(rows: [Int], context: (Int) -> ForwardContext, input: (Int) -> UnsafePointer<Float>,
                          loss: (Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Double,
                          gradientsReady: (Range<Int>) -> Void = { _ in },
                          observe: ((PipelineOp, Bool) -> Void)? = nil) throws -> Double {
        precondition(rows.count == slotOf.count, "Pipeline.trainStep: \(rows.count) micro-batches, made for \(slotOf.count)")
        waitSeconds = 0
        // Keep sends moving during compute (only when the layers make no MPI calls of their own).
        let progress = stages > 1 && !layersCommunicate && MPIRuntime.serializedThreads ? SendProgress() : nil
        defer { progress?.stop() }
        func mpi<T>(_ body: () throws -> T) throws -> T { try progress.map { try $0.locked(body) } ?? body() }
        var total = 0.0
        for (i, op) in ops.enumerated() {
            switch op {
            case .forward(let k):
                let slot = try mpi { try acquire() }
                slotOf[k] = slot
                let x: UnsafePointer<Float>
                if let previous {
                    let buffer = stage.receiveBuffer(slot)
                    let start = ContinuousClock.now
                    try mpi { try comm.receive(into: buffer, count: rows[k] * stage.inputWidth, from: previous, tag: 2 * k) }
                    waitSeconds += start.secondsElapsed
                    x = UnsafePointer(buffer)
                } else {
                    x = input(k)
                }
                observe?(op, true)
                let out = try stage.forward(slot, input: x, rows: rows[k], context: context(k))
                if next == nil { total += loss(k, out, stage.outputGradient(slot)) }
                observe?(op, false)
                if let next {
                    let send = try mpi { try comm.send(out, count: rows[k] * stage.outputWidth, to: next, tag: 2 * k) }
                    pending[slot].append(send)
                    progress?.track(send)
                }
            case .backward(let k):
                let slot = slotOf[k]
                if let next {
                    let start = ContinuousClock.now
                    try mpi { try comm.receive(into: stage.outputGradient(slot), count: rows[k] * stage.outputWidth, from: next, tag: 2 * k + 1) }
                    waitSeconds += start.secondsElapsed
                }
                observe?(op, true)
                if i == ops.count - 1 {
                    try stage.backward(slot, needInputGradient: previous != nil, gradientsReady: gradientsReady)
                } else {
                    try stage.backward(slot, needInputGradient: previous != nil)
                }
                observe?(op, false)
                if let previous {
                    let send = try mpi { try comm.send(stage.inputGradient(slot), count: rows[k] * stage.inputWidth, to: previous, tag: 2 * k + 1) }
                    pending[slot].append(send)
                    progress?.track(send)
                }
                stage.release(slot)
            }
        }
        try mpi { try waitForSends() }
        return total
    }

    private func waitForSends() throws {
        for s in pending.indices {
            for p in pending[s] { try p.wait() }
            pending[s].removeAll(keepingCapacity: true)
        }
    }

    /// Inference over chunks of `rows[k]` rows (no dropout, nothing kept for backward):
    /// `input(k)` on the first stage, `consume(k, output)` on the last.
    public func infer(rows: [Int], input: (Int) -> UnsafePointer<Float>, consume: (Int, UnsafePointer<Float>) -> Void) throws {
        for (k, n) in rows.enumerated() {
            let slot = try acquire()
            let x: UnsafePointer<Float>
            if let previous {
                let buffer = stage.receiveBuffer(slot)
                try comm.receive(into: buffer, count: n * stage.inputWidth, from: previous, tag: 2 * k)
                x = UnsafePointer(buffer)
            } else {
                x = input(k)
            }
            let out = try stage.forward(slot, input: x, rows: n, context: ForwardContext(training: false))
            if let next {
                let send = try comm.send(out, count: n * stage.outputWidth, to: next, tag: 2 * k)
                try send.wait()
            } else {
                consume(k, out)
            }
            stage.release(slot)
        }
    }
}
