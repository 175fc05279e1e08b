import Foundation
import TandemComm
import TandemData
import TandemFormats
import TandemModel
import TandemOptim
import TandemTensor

/// Synthetic-data throughput measurements for `tandem bench` and `scripts/bench.sh`.
public enum Benchmark {
    /// A benchmark model: widths and global batch.
    public struct Workload: Sendable {
        public var name: String
        public var widths: [Int]
        public var batch: Int

        /// 784-1024-1024-10, global batch 256 (compute-bound).
        public static let wide = Workload(name: "wide", widths: [784, 1024, 1024, 10], batch: 256)
        /// 64-64-10, global batch 32 (overhead-bound).
        public static let small = Workload(name: "small", widths: [64, 64, 10], batch: 32)

        public static func named(_ name: String) -> Workload? { ["wide": wide, "small": small][name] }

        /// Forward FLOPs per sample.
        public var forwardFLOPs: Double { (0..<(widths.count - 1)).reduce(0.0) { $0 + 2 * Double(widths[$1] * widths[$1 + 1]) } }
    }

    /// Result of a training-throughput run, identical on every rank.
    public struct Result: Sendable {
        public var samplesPerSecond: Double
        public var stepSeconds: Double
        /// Training FLOP rate counting forward + backward as 3x forward.
        public var gflops: Double
        /// Checkpoints written during the timed steps (rank 0), their total seconds and bytes.
        /// Seconds per step the training thread waited for the gradient sync.
        public var syncSecondsPerStep = 0.0
        /// Gradient bytes reduced per step.
        public var gradientBytes = 0
        /// Bus bandwidth (GB/s) of the gradient sync on its own (barrier-aligned, so waiting for a
        /// slower rank is excluded) and of a raw `MPI_Allreduce` of the same size, measured
        /// right after; 0 on one rank or when overlapped.
        public var syncAloneBusGBps = 0.0
        public var rawAllreduceBusGBps = 0.0
        /// CPU seconds per timed step of the training thread, and of every other thread of the
        /// process (the checkpoint writer, MPI's and the runtime's threads): CPU time does not
        /// count the waits for other processes, so on a shared machine it shows what checkpoints
        /// cost where wall time is lost in the noise.
        public var threadCPUSecondsPerStep = 0.0
        public var otherCPUSecondsPerStep = 0.0
        public var checkpoints = 0
        public var checkpointSeconds = 0.0
        public var checkpointBytes = 0
        /// Seconds the training thread spent per checkpoint taking the snapshot and handing it over.
        public var snapshotSeconds = 0.0
    }

    /// Trains `workload` with Adam on random data for `steps` timed steps (after `warmup`),
    /// data-parallel over `comm` (the grid with tp = pp = 1). Uses the same `ParallelModel` and `TrainingStep` as `tandem train`; `intraNode`
    /// sums gradients through shared memory within the node (`parallel.intra_node`).
    /// With `checkpointEvery > 0`, rank 0 also writes a full checkpoint (parameters and both Adam
    /// moments, fsynced) into `checkpointDirectory` every that many timed steps, as training does;
    /// the first at half that many, so each write has the same time to finish before the clock
    /// stops (a checkpoint at the last step would time its whole write, which a long run amortizes).
    public static func training(_ workload: Workload, steps: Int, warmup: Int, comm: Communicator,
                                checkpointEvery: Int = 0, checkpointDirectory: String? = nil, overlap: Bool = false,
                                intraNode: Bool = false) throws -> Result {
        let spec = NetworkSpec(inputs: workload.widths[0], hidden: Array(workload.widths.dropFirst().dropLast()),
                               outputs: workload.widths[workload.widths.count - 1])
        let model = try ParallelModel(spec: spec, config: ParallelConfig(), world: comm)
        let whole = ParameterArena(spec.parameterSpecs)
        try Initializer.initialize(whole, scheme: .he, seed: 1)
        model.extract(whole.params.array, into: model.arena.params)
        let head = LossHead.softmaxCrossEntropy(classes: spec.outputs)
        let optimizer = Optimizer(options: OptimizerOptions(kind: .adam), count: model.arena.count, decayRanges: [])
        let (start, length) = BatchPlan.slice(count: workload.batch, rank: comm.rank, ranks: comm.size)
        let reducer = intraNode && comm.size > 1 ? try HierarchicalAllreduce(comm: model.dp, capacity: model.arena.count) : nil
        let sync = GradientSync(comm: model.dp, arena: model.arena, overlap: overlap && MPIRuntime.serializedThreads, reducer: reducer)
        defer { sync.close() }
        let step = TrainingStep(model: model, head: head, optimizer: optimizer, clipGradNorm: 0, seed: 1,
                                capacity: length, sync: sync)
        var rng = RandomGenerator(seed: UInt64(7 + comm.rank))
        for i in 0..<(length * spec.inputs) { step.inputs.base[i] = rng.nextFloat() }
        for i in 0..<length { step.labels[i] = Int32(rng.nextInt(below: spec.outputs)) }
        for s in 0..<warmup { _ = try step.run(rows: length, globalCount: workload.batch, rowOffset: start, step: s, lr: 1e-4) }
        try comm.barrier()
        let writer = checkpointDirectory.map { CheckpointWriter(store: CheckpointStore(runDirectory: $0)) }
        let syncBefore = sync.exposedSeconds
        let begin = ContinuousClock.now
        let (threadBegin, processBegin) = (cpuSeconds(CLOCK_THREAD_CPUTIME_ID), cpuSeconds(CLOCK_PROCESS_CPUTIME_ID))
        var snapshotTotal = 0.0, snapshots = 0
        for s in 0..<steps {
            _ = try step.run(rows: length, globalCount: workload.batch, rowOffset: start, step: warmup + s, lr: 1e-4)
            if checkpointEvery > 0, (s + 1) % checkpointEvery == checkpointEvery / 2, comm.rank == 0, let writer {
                let snapshotBegin = ContinuousClock.now
                defer { snapshotTotal += snapshotBegin.secondsElapsed; snapshots += 1 }
                // As training does: the parameters' slots, then both moments, copied into the writer's image.
                let slots = model.arena.slots
                let sources = slots.map { UnsafePointer(model.arena.params.base + $0.offset) }
                    + [UnsafePointer(optimizer.moment1.base), UnsafePointer(optimizer.moment2.base)]
                let tensors = slots.map { SafeTensorsImage.Tensor(name: $0.name, shape: $0.shape) }
                    + [.init(name: "m", shape: [optimizer.count]), .init(name: "v", shape: [optimizer.count])]
                try writer.submit(manifest: benchmarkManifest(step: s + 1, widths: workload.widths), tensors: tensors, keep: 2, bestBy: nil) { image in
                    for (i, source) in sources.enumerated() {
                        let target = image.values(i)
                        target.baseAddress?.update(from: source, count: target.count)
                    }
                }
            }
        }
        try writer?.wait()
        let saved = writer?.written ?? (count: 0, seconds: 0, bytes: 0)
        let local = begin.secondsElapsed
        let threadCPU = cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - threadBegin
        let otherCPU = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - processBegin - threadCPU
        let seconds = try comm.allreduceMax([local])[0]
        let perStep = seconds / Double(steps)
        let rate = Double(workload.batch) / perStep
        let syncPerStep = try comm.allreduceMax([(sync.exposedSeconds - syncBefore) / Double(steps)])[0]
        var alone = 0.0, raw = 0.0
        if comm.size > 1 && !sync.overlap {
            let bytes = model.arena.count * 4
            alone = try allreduceBusBandwidth(bytes: bytes, repeats: 10, comm: comm) { _, _ in
                sync.beginStep()
                try sync.finish()
            }
            raw = try allreduceBusBandwidth(bytes: bytes, repeats: 10, comm: comm) { p, n in try comm.allreduceSum(p, count: n) }
        }
        try reducer?.free()
        return Result(samplesPerSecond: rate, stepSeconds: perStep, gflops: 3 * workload.forwardFLOPs * rate / 1e9,
                      syncSecondsPerStep: syncPerStep, gradientBytes: model.arena.count * 4,
                      syncAloneBusGBps: alone, rawAllreduceBusGBps: raw,
                      threadCPUSecondsPerStep: threadCPU / Double(steps), otherCPUSecondsPerStep: otherCPU / Double(steps),
                      checkpoints: saved.count, checkpointSeconds: saved.seconds, checkpointBytes: saved.bytes,
                      snapshotSeconds: snapshots > 0 ? snapshotTotal / Double(snapshots) : 0)
    }

    /// CPU seconds used so far by `clock` (`CLOCK_THREAD_CPUTIME_ID`: the calling thread;
    /// `CLOCK_PROCESS_CPUTIME_ID`: the whole process).
    private static func cpuSeconds(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    private static func benchmarkManifest(step: Int, widths: [Int]) -> CheckpointManifest {
        CheckpointManifest(formatVersion: CheckpointManifest.currentFormat, tandemVersion: TandemInfo.version, createdAt: "",
                           state: TrainingState(step: step, batch: step), trainSeed: 1, splitSeed: 0,
                           config: "benchmark", task: "classification", classes: nil,
                           preprocessor: Preprocessor(options: PreprocessOptions(), features: []), dataSHA256: "",
                           layout: .init(world: 1, dp: 1, tp: 1, pp: 1),
                           model: .init(kind: "mlp", widths: widths, activation: "relu", parameters: 0),
                           optimizer: .init(name: "adam", stepCount: step), earlyStopping: nil,
                           metricsLines: 0, tensors: [], files: [:])
    }

    /// GFLOP/s of `sgemm` on the forward and backward shapes of `workload` with the current
    /// OpenBLAS thread count, weighted as in one training step.
    public static func sgemmRate(_ workload: Workload, repeats: Int) -> Double {
        let b = workload.batch
        var shapes: [(Transpose, Transpose, Int, Int, Int)] = []
        for i in 0..<(workload.widths.count - 1) {
            let (inp, out) = (workload.widths[i], workload.widths[i + 1])
            shapes.append((.none, .transposed, b, out, inp))      // forward y = x W^T
            shapes.append((.transposed, .none, out, inp, b))      // dW = dy^T x
            if i > 0 { shapes.append((.none, .none, b, inp, out)) } // dx = dy W
        }
        var flops = 0.0
        var seconds = 0.0
        for (ta, tb, m, n, k) in shapes {
            let a = FloatBuffer(count: m * k), bb = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
            a.fill(0.5); bb.fill(0.25)
            TandemTensor.sgemm(ta, tb, m: m, n: n, k: k, a: a.base, b: bb.base, c: c.base)
            let begin = ContinuousClock.now
            for _ in 0..<repeats { TandemTensor.sgemm(ta, tb, m: m, n: n, k: k, a: a.base, b: bb.base, c: c.base) }
            seconds += begin.secondsElapsed
            flops += 2 * Double(m * n * k) * Double(repeats)
        }
        return flops / seconds / 1e9
    }
}
