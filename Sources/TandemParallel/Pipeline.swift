import Dispatch
import TandemComm
import TandemModel
import TandemTensor

/// Runs a stage's part of the pipeline: micro-batch activations go forward to the next stage
/// and their gradients come back, with MPI point-to-point messages between neighbouring stages
/// of the same (dp, tp) position (non-blocking sends, blocking receives).
public final class Pipeline {
    public let stage: StageNetwork
    /// The communicator the stage neighbours are ranks of (the world).
    let comm: Communicator
    /// Rank of the previous / next stage, nil at the ends.
    let previous: Int?
    let next: Int?
    /// Number of pipeline stages.
    public let stages: Int
    /// Seconds spent blocked in receives during the last call (the stage's share of the bubble).
    public private(set) var waitSeconds = 0.0

    public init(stage: StageNetwork, stages: Int, comm: Communicator, previous: Int?, next: Int?) {
        self.stage = stage
        self.stages = stages
        self.comm = comm
        self.previous = previous
        self.next = next
    }

    public var isFirst: Bool { previous == nil }
    public var isLast: Bool { next == nil }

    /// One training step's forward and backward passes over micro-batches of `rows[k]` rows
    /// (the same on every stage), in the order of `kind`. Gradients accumulate into
    /// `stage.arena.grads` (not zeroed here). `load(k, x)` fills micro-batch k's input
    /// `[rows[k], inputWidth]` on the first stage; `loss(k, output, dOutput)` computes the loss
    /// sum and d loss / d output `[rows[k], outputWidth]` on the last stage. Returns the summed
    /// loss (0 except on the last stage).
    public func trainStep(_ kind: PipelineScheduleKind, rows: [Int], context: (Int) -> ForwardContext,
                          load: (Int, UnsafeMutablePointer<Float>) -> Void,
                          loss: (Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Double) throws -> Double {
        waitSeconds = 0
        let ops = PipelineSchedule.ops(kind, stage: stage.layout.stage, stages: stages, microBatches: rows.count)
        // Keep sends moving during compute (only when the layers make no MPI calls of their own).
        let progress = stages > 1 && stage.layout.tp == 1 && MPIRuntime.serializedThreads ? SendProgress() : nil
        defer { progress?.stop() }
        func mpi<T>(_ body: () throws -> T) throws -> T { try progress.map { try $0.locked(body) } ?? body() }
        var slotOf = [Int](repeating: -1, count: rows.count)
        var total = 0.0
        for op in ops {
            switch op {
            case .forward(let k):
                let slot = try mpi { try stage.acquire() }
                slotOf[k] = slot
                let input = stage.input(slot)
                if let previous {
                    let start = MonotonicClock.now()
                    try mpi { try comm.receive(into: input, count: rows[k] * stage.inputWidth, from: previous, tag: 2 * k) }
                    waitSeconds += MonotonicClock.now() - start
                } else {
                    load(k, input)
                }
                let out = try stage.forward(slot, rows: rows[k], context: context(k))
                if let next {
                    let send = try mpi { try comm.send(out, count: rows[k] * stage.outputWidth, to: next, tag: 2 * k) }
                    stage.hold(send, in: slot)
                    progress?.track(send)
                } else {
                    total += loss(k, out, stage.outputGradient(slot))
                }
            case .backward(let k):
                let slot = slotOf[k]
                if let next {
                    let start = MonotonicClock.now()
                    try mpi { try comm.receive(into: stage.outputGradient(slot), count: rows[k] * stage.outputWidth, from: next, tag: 2 * k + 1) }
                    waitSeconds += MonotonicClock.now() - start
                }
                try stage.backward(slot, needInputGradient: previous != nil)
                if let previous {
                    let send = try mpi { try comm.send(stage.inputGradient(slot), count: rows[k] * stage.inputWidth, to: previous, tag: 2 * k + 1) }
                    stage.hold(send, in: slot)
                    progress?.track(send)
                }
                stage.release(slot)
            }
        }
        try mpi { try stage.waitForSends() }
        return total
    }

    /// Inference over chunks of `rows[k]` rows (no dropout, nothing kept for backward):
    /// `load(k, x)` on the first stage, `consume(k, output)` on the last.
    public func infer(rows: [Int], load: (Int, UnsafeMutablePointer<Float>) -> Void,
                      consume: (Int, UnsafePointer<Float>) -> Void) throws {
        for (k, n) in rows.enumerated() {
            let slot = try stage.acquire()
            let input = stage.input(slot)
            if let previous { try comm.receive(into: input, count: n * stage.inputWidth, from: previous, tag: 2 * k) } else { load(k, input) }
            let out = try stage.forward(slot, rows: n, context: ForwardContext(training: false))
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

/// Monotonic seconds.
public enum MonotonicClock {
    public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
}
