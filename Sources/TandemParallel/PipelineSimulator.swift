/// Runs every stage's schedule of one training step together in simulated time, with the
/// dependencies the real pipeline has (blocking receives, sends that never block): a forward
/// through global chunk `g > 0` needs the same micro-batch's forward through chunk `g - 1`; a
/// backward through chunk `g` needs its backward through `g + 1` (the last chunk: its own
/// forward). Used to prove a schedule deadlock-free and to predict its bubble for given op
/// durations (messages take no time).
public enum PipelineSimulator {
    /// The simulated step.
    public struct Result: Equatable, Sendable {
        /// When the last op finished.
        public let makespan: Double
        /// Time each stage spent computing.
        public let busy: [Double]
        /// The idle share of the step, averaged over the stages (what `summary.json`'s
        /// measured bubble estimates).
        public var bubble: Double {
            guard makespan > 0 else { return 0 }
            return busy.map { (makespan - $0) / makespan }.reduce(0, +) / Double(busy.count)
        }
    }

    /// Simulates `kind` on `stages` stages with `virtualStages` chunks each over `microBatches`
    /// micro-batches; `forward(stage, chunk)` / `backward(stage, chunk)` give an op's duration
    /// (local chunk index). Returns nil when the stages deadlock (some stage waits for an op that
    /// never runs).
    public static func run(_ kind: PipelineScheduleKind, stages p: Int, microBatches m: Int, virtualStages v: Int = 1,
                           forward: (Int, Int) -> Double = { _, _ in 1 }, backward: (Int, Int) -> Double = { _, _ in 2 }) -> Result? {
        run(ops: (0..<p).map { PipelineSchedule.ops(kind, stage: $0, stages: p, microBatches: m, virtualStages: v) },
            microBatches: m, virtualStages: v, forward: forward, backward: backward)
    }

    /// Simulates the given ops of each stage (`ops[stage]`), micro-batches `0..<m`, local chunks `0..<v`.
    public static func run(ops: [[PipelineOp]], microBatches m: Int, virtualStages v: Int = 1,
                           forward: (Int, Int) -> Double = { _, _ in 1 }, backward: (Int, Int) -> Double = { _, _ in 2 }) -> Result? {
        let p = ops.count
        let chunks = p * v
        // Finish time of each (pass, micro-batch, global chunk); nil until it has run.
        var forwardDone = [Double?](repeating: nil, count: m * chunks)
        var backwardDone = [Double?](repeating: nil, count: m * chunks)
        var next = [Int](repeating: 0, count: p)
        var clock = [Double](repeating: 0, count: p)
        var busy = [Double](repeating: 0, count: p)
        var progress = true
        while progress {
            progress = false
            for s in 0..<p {
                while next[s] < ops[s].count {
                    let op = ops[s][next[s]]
                    let g = op.chunk * p + s
                    let ready: Double?
                    if op.isForward {
                        ready = g == 0 ? 0 : forwardDone[op.microBatch * chunks + g - 1]
                    } else {
                        ready = g == chunks - 1 ? forwardDone[op.microBatch * chunks + g] : backwardDone[op.microBatch * chunks + g + 1]
                    }
                    guard let ready else { break }
                    let duration = op.isForward ? forward(s, op.chunk) : backward(s, op.chunk)
                    let finish = max(clock[s], ready) + duration
                    if op.isForward { forwardDone[op.microBatch * chunks + g] = finish } else { backwardDone[op.microBatch * chunks + g] = finish }
                    clock[s] = finish
                    busy[s] += duration
                    next[s] += 1
                    progress = true
                }
            }
        }
        guard (0..<p).allSatisfy({ next[$0] == ops[$0].count }) else { return nil }
        return Result(makespan: clock.max() ?? 0, busy: busy)
    }
}
