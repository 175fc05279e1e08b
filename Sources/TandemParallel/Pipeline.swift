import TandemComm
import TandemModel
import TandemTensor

/// Runs a stage's part of the pipeline: micro-batch activations go forward to the next stage
/// and their gradients come back, between neighbouring stages of the same (dp, tp) position:
/// through a shared-memory channel when every stage is on one node and `connect` made one,
/// else with MPI point-to-point messages (non-blocking sends kept moving by `SendProgress`,
/// blocking receives). With one stage (no neighbours) it is a plain forward / loss / backward
/// per micro-batch: the data-parallel step.
///
/// With several stages the dense layers' weight gradients are deferred (Zero Bubble pipeline
/// parallelism's B / W split): a micro-batch's backward computes only what the previous stage
/// waits for (and the bias gradients), and each chunk computes its dense layers' dW once over the
/// whole batch after its last backward, while the stage would otherwise wait for a message, or
/// at the end of the step. So the products run at the whole batch's rate, and dW is the product
/// one rank computes over the same rows: the same bits. Likewise each dense layer's W^T (forward)
/// and W (input gradient) are packed once per step for the micro-batches' products
/// (`WeightPacks`), in waits where there are any.
public final class Pipeline {
    /// This stage's model chunks in model order: local chunk `c` is global chunk
    /// `c * stages + index` (one chunk without virtual stages).
    public let chunks: [StageNetwork]
    /// The communicator the stage neighbours are ranks of (the world).
    let comm: Communicator
    /// This stage's position.
    public let index: Int
    /// Number of pipeline stages.
    public let stages: Int
    /// World ranks of every stage of this (dp, tp) position.
    let stageRanks: [Int]
    /// This stage's ops for one training step (fixed schedule and micro-batch count).
    public let ops: [PipelineOp]
    /// The schedule the ops follow.
    public let schedule: PipelineScheduleKind
    /// Micro-batches per step.
    let microBatches: Int
    /// The shared-memory channel to the neighbouring stages (ranks of it are stage indices),
    /// from `connect`; nil: MPI messages.
    public internal(set) var channel: SharedMemoryChannel?
    /// Wakes every millisecond while the channel is in use (see `StageTick`).
    var tick: StageTick?
    /// Whether the layers make MPI calls of their own (tensor parallelism, batch normalization
    /// over several data-parallel replicas).
    let layersCommunicate: Bool
    /// Seconds spent blocked in receives during the last call (the stage's share of the bubble).
    public private(set) var waitSeconds = 0.0
    /// Seconds spent in the layers' forward and backward passes during the last call.
    public private(set) var layerSeconds = 0.0
    /// Whether `trainStep` measures `layerSeconds` (two clock reads per op; off when nothing
    /// reports it, e.g. data parallelism).
    public var timesLayers = true
    /// Chunk activations held now, and the most held at once (a micro-batch held by two
    /// chunks counts twice).
    public private(set) var held = 0
    public private(set) var maxHeld = 0
    /// Sends still reading each chunk's slots' buffers: `pending[chunk][slot]`.
    private var pending: [[[PendingSend]]]
    /// Slots taken while sends still read them, returned once a free one is found.
    private var parked: [Int] = []
    /// `slotOf[chunk][k]`: the slot holding micro-batch k's activations in the chunk.
    private var slotOf: [[Int]]
    /// For each chunk, the index in `ops` of its last backward, which completes its layers' gradients.
    private let lastBackward: [Int]
    /// Whether the dense layers' weight gradients are deferred to one product per chunk and step
    /// (with several stages).
    public let defersWeightGradients: Bool
    /// First row of each micro-batch in the step's batch.
    private var rowOffsets: [Int]
    /// Chunks whose last backward is done and whose deferred weight gradients are not.
    private var weightsDue: [Int] = []
    /// From this index of `ops` on, every op is a backward of the model's first chunk, which sends
    /// nothing: no stage waits for this one any more, so its waits can sum blocks of that chunk's
    /// deferred weight gradients ahead (`StageNetwork.weightGradientPiece`; `ops.count`: never).
    private let piecesFrom: Int
    /// `inOrder[c]`: chunk c's micro-batches 0..<inOrder[c] have had their backward this step
    /// (their kept rows are final).
    private var inOrder: [Int]
    /// The dense weights packed once per step for the micro-batches' products (with several
    /// stages and micro-batches; nil otherwise).
    private let weightPacks: WeightPacks?

    /// `index`: this stage's position of `stages`; `chunks`: its model chunks (see `chunks`);
    /// `stageRanks`: the world ranks of the `stages` stages of this (dp, tp) position;
    /// `layersCommunicate`: the stage's layers make collective calls (tensor parallelism), so no
    /// progress thread may call MPI beside them.
    public init(chunks: [StageNetwork], index: Int, stages: Int, schedule: PipelineScheduleKind, microBatches: Int,
                layersCommunicate: Bool, comm: Communicator, stageRanks: [Int]) {
        precondition(!chunks.isEmpty && stageRanks.count == stages, "Pipeline: \(chunks.count) chunks, \(stageRanks.count) ranks for \(stages) stages")
        self.chunks = chunks
        self.index = index
        self.stages = stages
        self.comm = comm
        self.stageRanks = stageRanks
        self.layersCommunicate = layersCommunicate
        self.microBatches = microBatches
        self.schedule = schedule
        ops = PipelineSchedule.ops(schedule, stage: index, stages: stages, microBatches: microBatches, virtualStages: chunks.count)
        var last = [Int](repeating: -1, count: chunks.count)
        for (i, op) in ops.enumerated() where !op.isForward { last[op.chunk] = i }
        lastBackward = last
        slotOf = [[Int]](repeating: [Int](repeating: -1, count: microBatches), count: chunks.count)
        pending = [[[PendingSend]]](repeating: [], count: chunks.count)
        defersWeightGradients = stages > 1
        rowOffsets = [Int](repeating: 0, count: microBatches + 1)
        weightPacks = stages > 1 && microBatches > 1 ? WeightPacks(chunks: chunks, ops: ops, firstChunk: index == 0 ? 0 : nil) : nil
        let tail = ops.reversed().prefix { !$0.isForward && $0.chunk * stages + index == 0 }.count
        piecesFrom = stages > 1 ? ops.count - tail : ops.count
        inOrder = [Int](repeating: 0, count: chunks.count)
    }

    /// How long a stage waiting for a neighbour's message probes for it back to back, and how
    /// long it then sleeps between probes: a receive that blocks from the start would spin its
    /// core for the whole wait, taking it from the neighbour it waits for when the machine is
    /// shared.
    static let receiveSpin = Duration.microseconds(200)
    static let receiveNap = Duration.microseconds(50)
    /// Through the shared-memory channel a waiting stage spins only briefly, then sleeps until
    /// the message's send wakes it (measured on the balanced model, pp 2, 5 interleaved rounds:
    /// spinning 20 us gave 3,170-3,709 samples/s, 0 us 2,881-3,853, 200 us 2,840-3,464); a send
    /// to a full mailbox (which the slot count rules out within a step) checks every `receiveNap`.
    static let channelSpin = Duration.microseconds(20)

    /// The first stage's first chunk reads the model input.
    public var isFirst: Bool { index == 0 }
    /// The last stage's last chunk produces the model output.
    public var isLast: Bool { index == stages - 1 }
    /// Whether the training thread makes MPI calls between backward's first and last layer
    /// (messages to neighbouring stages, tensor-parallel collectives).
    public var backwardCommunicates: Bool { stages > 1 || layersCommunicate }
    /// The model input width (the first chunk's input).
    public var inputWidth: Int { chunks[0].inputWidth }

    /// Sets every chunk's buffers up for micro-batches of at most `rows` rows (and, deferring
    /// weight gradients, for a step of `microBatches` of them).
    public func reserve(rows: Int) {
        for c in chunks { c.reserve(rows: rows, batchRows: defersWeightGradients ? rows * microBatches : 0) }
    }

    /// Global chunk number of local chunk `c`.
    private func global(_ c: Int) -> Int { c * stages + index }
    /// The stage holding global chunk `g - 1` / `g + 1` (local chunk `c` is `g`), nil at the ends of the model.
    private func previous(_ c: Int) -> Int? { global(c) == 0 ? nil : (index + stages - 1) % stages }
    private func next(_ c: Int) -> Int? { global(c) == stages * chunks.count - 1 ? nil : (index + 1) % stages }
    /// Message tag of micro-batch k's activation (`backward` false) or gradient into global chunk `g`.
    private func tag(_ g: Int, _ k: Int, backward: Bool) -> Int { Self.tag(chunk: g, microBatch: k, backward: backward, microBatches: microBatches) }
    /// Message tag of micro-batch `k`'s activation (`backward` false) or gradient into global
    /// chunk `g` of a step of `microBatches`: unique within a step.
    static func tag(chunk g: Int, microBatch k: Int, backward: Bool, microBatches: Int) -> Int { 2 * (g * microBatches + k) + (backward ? 1 : 0) }

    /// A free slot of chunk `c` that no send still reads. A slot whose sends are still in
    /// flight is set aside rather than waited for (its receiver may be waiting for this stage),
    /// so the chunk grows a slot instead.
    private func acquire(_ c: Int) throws -> Int {
        let stage = chunks[c]
        while true {
            let slot = stage.acquire()
            while pending[c].count <= slot { pending[c].append([]) }
            if try pending[c][slot].allSatisfy({ try $0.test() }) {
                pending[c][slot].removeAll(keepingCapacity: true)
                for p in parked { stage.release(p) }
                parked.removeAll(keepingCapacity: true)
                held += 1
                maxHeld = max(maxHeld, held)
                return slot
            }
            parked.append(slot)
        }
    }

    /// One training step's forward and backward passes over micro-batches of `rows[k]` rows
    /// (the same on every stage; `rows.count` is the micro-batch count the pipeline was made
    /// for), in the schedule's order. Gradients accumulate into the layers' arena (not zeroed
    /// here). On the first stage `input(k)` gives micro-batch k's input `[rows[k], inputWidth]`
    /// (valid for the whole step); on the last, `loss(k, output, dOutput)` computes the loss sum
    /// and d loss / d output `[rows[k], outputWidth]`. `gradientsReady` gets each layer's
    /// parameter range once its gradients are complete (during the last backward through the
    /// layer's chunk). `observe(op, begins)` is called before and after each op's compute.
    /// Returns the summed loss (0 except on the last stage).
    public func trainStep(rows: [Int], context: (Int) -> ForwardContext, input: (Int) -> UnsafePointer<Float>,
                          loss: (Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Double,
                          gradientsReady: (Range<Int>) -> Void = { _ in },
                          observe: ((PipelineOp, Bool) -> Void)? = nil) throws -> Double {
        precondition(rows.count == microBatches, "Pipeline.trainStep: \(rows.count) micro-batches, made for \(microBatches)")
        waitSeconds = 0
        layerSeconds = 0
        for k in rows.indices { rowOffsets[k + 1] = rowOffsets[k] + rows[k] }
        weightsDue.removeAll(keepingCapacity: true)
        for c in inOrder.indices { inOrder[c] = 0 }
        defer { weightPacks?.drop() }  // the optimizer changes the weights next
        // Weight packs, timed and reported as an op: the next one due (`forward` nil), or every
        // one up to those `chunk`'s forward (backward) pass needs.
        func pack(chunk: Int, forward: Bool?) {
            guard let weightPacks, let next = weightPacks.nextChunk else { return }
            let op = PipelineOp(pass: .packs, microBatch: 0, chunk: forward == nil ? next : chunk)
            observe?(op, true)
            let start = timesLayers ? ContinuousClock.now : nil
            if let forward { weightPacks.ensure(chunk: chunk, forward: forward) } else { weightPacks.packNext() }
            if let start { layerSeconds += start.secondsElapsed }
            observe?(op, false)
        }
        // A pass's first micro-batch runs without the packs it has not yet (packing W per call:
        // measured, packing first held the neighbour waiting for it); from its second on they are
        // made first. Packs are made in waits for a neighbour, before the weight gradients due.
        func packs(chunk: Int, forward: Bool, microBatch k: Int) { if k > 0 { pack(chunk: chunk, forward: forward) } }
        // The weight packs due, then the deferred weight gradients of the chunks due (the first
        // of them), each only while `waiting()`.
        func weightGradients(while waiting: () throws -> Bool = { true }) throws {
            while weightPacks?.pending == true, try waiting() { pack(chunk: 0, forward: nil) }
            while let c = weightsDue.first, try waiting() {
                weightsDue.removeFirst()
                let op = PipelineOp(pass: .weights, microBatch: microBatches - 1, chunk: c)
                observe?(op, true)
                let start = timesLayers ? ContinuousClock.now : nil
                chunks[c].weightGradients(rows: rowOffsets[microBatches], gradientsReady: gradientsReady)
                if let start { layerSeconds += start.secondsElapsed }
                observe?(op, false)
            }
        }
        // Blocks of chunk c's deferred weight gradients over the rows whose backward is done, while
        // `waiting()`: only in the waits from `piecesFrom` on, and from half the batch on (each
        // block is continued over the rest at the end, which reads and writes it again).
        func weightPieces(chunk c: Int, while waiting: () throws -> Bool) throws {
            let rows = rowOffsets[inOrder[c]]
            guard 2 * rows >= rowOffsets[microBatches] else { return }
            while chunks[c].hasWeightGradientPiece, try waiting() {
                let op = PipelineOp(pass: .weights, microBatch: inOrder[c], chunk: c)
                observe?(op, true)
                let start = timesLayers ? ContinuousClock.now : nil
                let done = chunks[c].weightGradientPiece(rows: rows)
                if let start { layerSeconds += start.secondsElapsed }
                observe?(op, false)
                if !done { return }
            }
        }
        // Keep MPI sends moving during compute (only when the layers make no MPI calls of their
        // own; the channel needs no progress).
        let progress = stages > 1 && channel == nil && !layersCommunicate && MPIRuntime.serializedThreads ? SendProgress() : nil
        defer { progress?.stop() }
        func mpi<T>(_ body: () throws -> T) throws -> T { try progress.map { try $0.locked(body) } ?? body() }
        // Messages to and from neighbour stage `stage`: through the channel when it carries
        // them (both ends decide by the same count), else MPI.
        func carries(_ count: Int) -> SharedMemoryChannel? { channel.flatMap { count <= $0.capacity ? $0 : nil } }
        func arrived(from stage: Int, tag: Int, count: Int) throws -> Bool {
            if let channel = carries(count) { return try channel.hasMessage(from: stage, tag: tag) }
            return try mpi { try comm.hasMessage(from: stageRanks[stage], tag: tag) }
        }
        func receive(into buffer: UnsafeMutablePointer<Float>, count: Int, from stage: Int, tag: Int) throws {
            let start = ContinuousClock.now
            if let channel = carries(count) {
                try channel.receive(into: buffer, count: count, from: stage, tag: tag, spin: Self.channelSpin, nap: Self.receiveNap)
            } else {
                try comm.receive(into: buffer, count: count, from: stageRanks[stage], tag: tag,
                                 spin: Self.receiveSpin, nap: Self.receiveNap, serialize: { try mpi($0) })
            }
            waitSeconds += start.secondsElapsed
        }
        func send(_ buffer: UnsafePointer<Float>, count: Int, to stage: Int, tag: Int, chunk c: Int, slot: Int) throws {
            if let channel = carries(count) {
                try channel.send(buffer, count: count, to: stage, tag: tag, spin: Self.channelSpin, nap: Self.receiveNap)
                return
            }
            let send = try mpi { try comm.send(buffer, count: count, to: stageRanks[stage], tag: tag) }
            pending[c][slot].append(send)
            progress?.track(send)
        }
        var total = 0.0
        for (i, op) in ops.enumerated() {
            let c = op.chunk, k = op.microBatch, g = global(c), stage = chunks[c]
            if op.isForward {
                let slot = try mpi { try acquire(c) }
                slotOf[c][k] = slot
                let x: UnsafePointer<Float>
                if let previous = previous(c) {
                    let buffer = stage.receiveBuffer(slot)
                    let count = rows[k] * stage.inputWidth, t = tag(g, k, backward: false)
                    try weightGradients { try !arrived(from: previous, tag: t, count: count) }
                    try receive(into: buffer, count: count, from: previous, tag: t)
                    x = UnsafePointer(buffer)
                } else {
                    x = input(k)
                }
                packs(chunk: c, forward: true, microBatch: k)
                observe?(op, true)
                let start = timesLayers ? ContinuousClock.now : nil
                let out = try stage.forward(slot, input: x, rows: rows[k], context: context(k))
                if g == stages * chunks.count - 1 { total += loss(k, out, stage.outputGradient(slot)) }
                if let start { layerSeconds += start.secondsElapsed }
                observe?(op, false)
                if let next = next(c) {
                    try send(out, count: rows[k] * stage.outputWidth, to: next, tag: tag(g + 1, k, backward: false), chunk: c, slot: slot)
                }
            } else {
                let slot = slotOf[c][k]
                if let next = next(c) {
                    let count = rows[k] * stage.outputWidth, t = tag(g, k, backward: true)
                    try weightGradients { try !arrived(from: next, tag: t, count: count) }
                    if i >= piecesFrom { try weightPieces(chunk: c) { try !arrived(from: next, tag: t, count: count) } }
                    try receive(into: stage.outputGradient(slot), count: count, from: next, tag: t)
                }
                packs(chunk: c, forward: false, microBatch: k)
                observe?(op, true)
                let start = timesLayers ? ContinuousClock.now : nil
                let first = previous(c) == nil
                if defersWeightGradients {
                    try stage.backward(slot, needInputGradient: !first, keepingRowsAt: rowOffsets[k])
                    if i == lastBackward[c] { weightsDue.append(c) }
                } else if i == lastBackward[c] {
                    try stage.backward(slot, needInputGradient: !first, gradientsReady: gradientsReady)
                } else {
                    try stage.backward(slot, needInputGradient: !first)
                }
                if let start { layerSeconds += start.secondsElapsed }
                observe?(op, false)
                if k == inOrder[c] { inOrder[c] += 1 }
                if let previous = previous(c) {
                    try send(stage.inputGradient(slot), count: rows[k] * stage.inputWidth, to: previous, tag: tag(g - 1, k, backward: true), chunk: c, slot: slot)
                }
                stage.release(slot)
                held -= 1
            }
        }
        try weightGradients()
        try mpi { try waitForSends() }
        return total
    }

    private func waitForSends() throws {
        for c in pending.indices {
            for s in pending[c].indices {
                for p in pending[c][s] { try p.wait() }
                pending[c][s].removeAll(keepingCapacity: true)
            }
        }
    }

    /// Inference over blocks of `rows[k]` rows (no dropout, nothing kept for backward):
    /// `input(k)` on the first stage, `consume(k, output)` on the last. Each block passes every
    /// chunk in model order before the next starts (sends are waited for, so no tag needs to
    /// tell blocks apart). Always MPI messages: blocks are larger than the channel's slots, and
    /// a waited-for send needs no progress thread.
    public func infer(rows: [Int], input: (Int) -> UnsafePointer<Float>, consume: (Int, UnsafePointer<Float>) -> Void) throws {
        for (k, n) in rows.enumerated() {
            for (c, stage) in chunks.enumerated() {
                let slot = stage.acquire()
                defer { stage.release(slot) }
                let g = global(c)
                let x: UnsafePointer<Float>
                if let previous = previous(c) {
                    let buffer = stage.receiveBuffer(slot)
                    try comm.receive(into: buffer, count: n * stage.inputWidth, from: stageRanks[previous], tag: 2 * g)
                    x = UnsafePointer(buffer)
                } else {
                    x = input(k)
                }
                let out = try stage.forward(slot, input: x, rows: n, context: ForwardContext(training: false))
                if let next = next(c) {
                    let send = try comm.send(out, count: n * stage.outputWidth, to: stageRanks[next], tag: 2 * (g + 1))
                    try send.wait()
                } else {
                    consume(k, out)
                }
            }
        }
    }
}
