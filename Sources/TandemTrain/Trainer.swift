import Foundation
import TandemComm
import TandemData
import TandemFormats
import TandemMetrics
import TandemModel
import TandemOptim
import TandemParallel
import TandemTensor

/// Where a run starts from.
public enum ResumeRequest: Sendable, Equatable {
    /// A fresh start.
    case none
    /// The newest checkpoint under `<output>/checkpoints/` that verifies, else a fresh start.
    case auto
    /// This checkpoint directory, which must verify.
    case path(String)
}

/// Runs a training job on every rank of `comm`: prepares the data, builds the model (or restores
/// a checkpoint), trains on the process grid (data, tensor and pipeline parallelism through one
/// model path, `ParallelModel`), evaluates, checkpoints, and (on world rank 0)
/// writes the run directory.
public final class Trainer {
    public let config: JobConfig
    let comm: Communicator
    let layout: Layout
    let data: PreparedData
    /// The model training started from (`init_from`), if any.
    let warmStart: WarmStart?
    let head: LossHead
    /// Per-class loss weights (`train.class_weight`), in class order; nil when off.
    let classWeights: [Float]?
    let spec: NetworkSpec
    /// This rank's part of the model on the process grid (the whole model when tp = pp = 1).
    let model: ParallelModel
    /// This rank's parameters: the whole model, or its shard under model parallelism.
    let arena: ParameterArena
    /// This rank's place among the data-parallel replicas (its batch slice).
    var dpRank: Int { model.coordinates.dp }
    var dpSize: Int { model.grid.dp }
    let optimizer: Optimizer
    let plan: BatchPlan
    let schedule: LRSchedule
    var stopper: EarlyStopping?
    /// Parameters of the best evaluation, when early stopping restores them.
    let best: FloatBuffer?
    let store: CheckpointStore
    let resolvedYAML: String
    var state = TrainingState()
    /// `parallel.overlap` resolved on every rank and agreed (all ranks must reduce the same
    /// buckets, so one rank without a spare CPU turns it off everywhere); off when the training
    /// thread calls MPI during backward (tensor or pipeline parallelism).
    let overlapGradientSync: Bool
    /// The intra-node shared-memory path for the gradient sum (`parallel.intra_node`), agreed
    /// by every rank, over the data-parallel replicas; nil for plain `MPI_Allreduce`.
    var intraNode: HierarchicalAllreduce?
    /// Whether the pipeline stages exchange their messages through shared memory (`connectPipeline`).
    var pipelineSharedMemory = false
    /// Rank 0's background checkpoint writer.
    var writer: CheckpointWriter?
    /// What the run writes besides checkpoints (metrics.jsonl, events, summary, the exported
    /// model): world rank 0's recorder, opened once the job is set up; nil on other ranks.
    var recorder: (any RunRecorder)?
    let started: ContinuousClock.Instant
    var isRoot: Bool { comm.rank == 0 }
    /// Stop (checkpoint and exit, as on SIGTERM) once this many steps are done.
    public var stopAtStep: Int?
    /// Records where each step's time goes, when set (`--timeline`).
    public var timeline: Timeline?
    /// Where rank 0 writes the timeline at the end.
    public var timelinePath: String?
    /// Called on every rank after each validation with the epoch (1-based) and the validation
    /// metrics; returning false ends training there, as early stopping does (hyperparameter sweeps).
    public var epochHook: ((_ epoch: Int, _ validation: [(String, Double)]) throws -> Bool)?
    /// The epoch hook ended training (a sweep stopped the trial): summary.json says `stopped`.
    var stoppedByHook = false
    /// What the gradient sync did in this process: overlapped or not, buckets, bucket
    /// reductions, and steps (each step must reduce every bucket exactly once).
    var syncReport: (overlap: Bool, buckets: Int, reductions: Int, steps: Int)?
    /// Under pipeline parallelism: rank 0's measured bubble fraction, and the most
    /// micro-batches whose activations this rank held at once (at most `pp` with 1F1B).
    var pipelineReport: (bubble: Double, maxHeld: Int, layerSeconds: Double)?

    /// Sets up the job; throws a `ConfigError`, `DataError`, `ModelError`, `CheckpointError`,
    /// `TrainingError` or `MPIError` naming what is wrong. The run directory is rank 0's.
    /// `overwrite` allows a fresh start in an output directory that already holds a run (its
    /// checkpoints are then removed); without it that is an error, so no run is lost by accident.
    /// `recorder` writes the run's results on world rank 0 (unused elsewhere); `models` loads the
    /// `init_from` model on every rank.
    public init(config: JobConfig, comm: Communicator, threads: Int? = nil, resume: ResumeRequest = .none,
                overwrite: Bool = false, recorder: any RunRecorder, models: any InitialModelLoader) throws {
        started = ContinuousClock.now
        self.config = config
        self.comm = comm
        let t = config.train
        _ = try OwnedDirectory(validating: config.output.dir, key: "output.dir")
        // Layout: the process grid, threads, the collective watchdog.
        layout = try Layout.make(world: comm, requestedThreads: threads, parallel: config.parallel)
        if comm.size > 1 { comm.watchdog = Watchdog(timeout: t.collectiveTimeout, rank: MPIRuntime.worldRank) }
        try Self.checkBatching(config, layout: layout)
        // Data (with the init_from model's preprocessing when there is one).
        (data, warmStart) = try WarmStart.prepare(config, loader: models, comm: comm)
        guard data.train.count > 0 else { throw ConfigError("data.split: the training split is empty") }
        try SplitCheck.require(data, earlyStopping: t.earlyStopping, isRoot: comm.rank == 0)
        // Model: the loss, the network, this rank's part of it on the grid.
        head = LossHead(classes: data.classes?.count)
        classWeights = try t.classWeight.resolve(classes: data.classes, counts: data.train.classCounts(data.classes?.count ?? 0))
        spec = try Self.networkSpec(config, data: data, head: head, layout: layout)
        model = try Self.parallelModel(spec, config: config, comm: comm)
        arena = model.arena
        model.watch(comm.watchdog)
        overlapGradientSync = try Self.agreeOverlap(config.parallel, layout: layout, model: model, comm: comm)
        // Optimizer, batches, schedule, early stopping, checkpoints.
        optimizer = Optimizer(options: t.optimizer.options, count: arena.count,
                              decayRanges: arena.slots.filter(\.decays).map { $0.offset..<($0.offset + $0.count) })
        plan = BatchPlan(samples: data.train.count, batchSize: t.batchSize, seed: t.seed)
        schedule = Self.schedule(t, batchesPerEpoch: plan.batchesPerEpoch)
        let taskMetrics = data.classes == nil ? MetricName.regression : MetricName.classification
        stopper = try t.earlyStopping.map { try EarlyStopping($0, taskMetrics: taskMetrics) }
        best = stopper?.config.restoreBest == true ? FloatBuffer(count: arena.count) : nil
        store = CheckpointStore(runDirectory: config.output.dir)
        writer = comm.rank == 0 ? CheckpointWriter(store: store) : nil
        resolvedYAML = try ConfigLoader.yaml(config)
        try Consistency.requireSame("\(resolvedYAML)|\(spec.widths)|\(data.dataSHA256)|\(warmStart?.record.paramsSHA256 ?? "")", "the resolved config, data, init_from model or model layout", comm: comm)
        // Resume (or initial values), the intra-node sum, and the recorder.
        let checkpoint = try startParameters(resume: resume, overwrite: overwrite)
        intraNode = try agreeIntraNode()
        pipelineSharedMemory = try connectPipeline()
        if isRoot {
            try recorder.open(directory: config.output.dir, resolvedConfig: resolvedYAML, keepMetricsLines: checkpoint?.manifest.metricsLines)
            self.recorder = recorder
        }
    }

    /// Refuses to start fresh over an existing run unless `overwrite`, and over files Tandem did
    /// not write in any case (checked here, before the data is loaded; `RunDirectory` removes
    /// the old run's files once the job is set up).
    func claimOutputDirectory(overwrite: Bool) throws {
        let fm = FileManager.default
        let dir = config.output.dir
        let out = try OwnedDirectory(validating: dir, key: "output.dir")
        let traces = ["summary.json", "metrics.jsonl", "checkpoints"].filter { fm.fileExists(atPath: "\(dir)/\($0)") }
        if !traces.isEmpty && !overwrite {
            throw ConfigError("the output directory \(dir) already holds a run (\(traces.joined(separator: ", "))); continue it with --resume auto, choose another --output, or pass --overwrite to replace it")
        }
        try out.checkClaimable(OwnedEntries.run)
    }

    /// Trains, evaluates and writes the run's outputs; returns the summary (the same on every
    /// rank), or nil when a signal stopped the run after writing a checkpoint.
    @discardableResult
    public func train() throws -> JSONValue? {
        if isRoot {
            let layers = spec.widths.map(String.init).joined(separator: "-")
            let via = intraNode.map { $0.nodes > 1 ? " (shared memory within nodes, MPI between \($0.nodes))" : " (shared memory)" } ?? ""
            let inMemory = EncodedRows.elements(split: data.train, budgetBytes: config.data.inMemoryBytes)
                .map { " (training rows in memory, \(Progress.bytes($0 * MemoryLayout<Float>.stride)))" } ?? ""
            let sync = model.grid.dp == 1 ? "" : (overlapGradientSync ? " | overlapped gradient sync" : " | plain gradient sync") + via
            Progress.say("tandem: run '\(config.name)' | world \(layout.world) (dp \(layout.dp), tp \(layout.tp), pp \(layout.pp)) | \(layout.ranksPerNode) rank\(layout.ranksPerNode == 1 ? "" : "s")/node x \(layout.blasThreads) BLAS thread\(layout.blasThreads == 1 ? "" : "s") (rank 0 on cpus \(layout.cpus)), GEMMs \(GEMMKernel.description)\(sync) | data \(data.train.count)/\(data.validation.count)/\(data.test.count) train/val/test rows, \(data.featureNames.count) features -> \(spec.inputs) inputs\(inMemory) | \(config.model.kind.rawValue) \(layers), \(Progress.grouped(spec.parameterCount)) parameters\(parallelDescription) | output \(config.output.dir)\(SlurmEnvironment.current().map { " | \($0.summaryLine)" } ?? "")")
            for line in SchemaReport.lines(data.schema, rows: data.train.count + data.validation.count + data.test.count) { Progress.say(line) }
            if let crowded = layout.crowdedWarning { Progress.warn(crowded) }
            for w in data.warnings { Progress.warn(w) }
            if state.step > 0 || state.finished { Progress.say("resumed at step \(state.step) (epoch \(state.epoch + 1), batch \(state.batch))") }
        }
        let evaluator = makeEvaluator()
        if config.model.solver == .exact {
            try solveExactly()
        } else if case .interrupted(let sig, let path) = try optimizeAndRelease(evaluator) {
            if isRoot {
                Progress.say("stopped by \(sig.map(StopSignal.name) ?? "--stop-at-step") at step \(state.step); checkpoint \(path); continue with --resume auto"
                             + (sig.flatMap(StopSignal.origin).map { " (\($0))" } ?? ""))
            }
            try writeTimeline()
            return nil
        }
        try writeTimeline()
        return try finish(evaluator: evaluator)
    }

    /// `optimize`, then frees the shared-memory window of the gradient sum (a collective every
    /// rank reaches here, which is why it is not left to deinit).
    private func optimizeAndRelease(_ evaluator: Evaluator) throws -> LoopEnd {
        let end: LoopEnd
        do {
            end = try optimize(evaluator)
        } catch let error as TrainingError where error.isOnEveryRank {
            // A diverged loss is detected after the loss allreduce, so every rank throws it at
            // the same step and can free the window together (a sweep goes on to more trials).
            try? intraNode?.free()
            try? model.pipeline.disconnect()
            throw error
        }
        try intraNode?.free()
        try model.pipeline.disconnect()
        return end
    }

    private func writeTimeline() throws {
        if let timeline, let timelinePath { try timeline.write(to: timelinePath, comm: comm) }
    }

    /// `linear` with `solver: exact`: accumulate the normal equations over each rank's block of
    /// training rows, allreduce them, and solve by LAPACK on every rank.
    private func solveExactly() throws {
        let begin = ContinuousClock.now
        let train = data.train
        let (start, length) = BatchPlan.slice(count: train.count, rank: comm.rank, ranks: comm.size)
        let width = train.width
        var normal = NormalEquations(features: width, outputs: 1)
        // Row by row in order, chunked so memory follows the chunk (the same sums as one block).
        let chunk = Self.evaluationChunk
        var x = [Float](repeating: 0, count: chunk * width), y = [Float](repeating: 0, count: chunk)
        for first in stride(from: start, to: start + length, by: chunk) {
            let n = min(chunk, start + length - first)
            for i in 0..<n { y[i] = train.target(row: train.rows[first + i]) }
            x.withUnsafeMutableBufferPointer { xp in
                y.withUnsafeBufferPointer { yp in
                    guard let xb = xp.baseAddress, let yb = yp.baseAddress else { return }
                    train.encode(first..<(first + n), into: xb)
                    normal.accumulate(x: xb, y: yb, rows: n)
                }
            }
        }
        normal.sums = try comm.allreduceSum(normal.sums)
        let (weight, bias) = try normal.solve(ridge: config.model.ridge)
        try arena.load([NamedTensor(name: "layers.0.weight", shape: [1, width], values: weight),
                                NamedTensor(name: "layers.0.bias", shape: [1], values: bias)])
        let seconds = begin.secondsElapsed
        state.epoch = 1
        state.trainSeconds = seconds
        state.samples = train.count
        state.finished = true
        if isRoot { Progress.say("exact least-squares solve (ridge \(config.model.ridge)) on \(train.count) rows in \(String(format: "%.3f", seconds)) s") }
    }

    private func finish(evaluator: Evaluator) throws -> JSONValue {
        try writer?.wait()
        let checkpointStats = writer?.written ?? (count: 0, seconds: 0, bytes: 0)
        var splits: [(String, JSONValue)] = []
        var lines: [String] = []
        var testMetrics: [String: Double] = [:]
        for (name, split) in [("train", data.train), ("validation", data.validation), ("test", data.test)] where split.count > 0 {
            let (ev, outputs) = try evaluator.evaluate(split)
            var fields = ev.scalars.map { ($0.0, JSONValue.number($0.1)) }
            if name == "test", case .classification(let m) = ev {
                fields.append(("confusion", .array(m.confusion.map { .array($0.map { .int($0) }) })))
                fields.append(("per_class", .array(m.perClass.map { .object([("label", .string($0.label)), ("precision", .number($0.precision)), ("recall", .number($0.recall)), ("f1", .number($0.f1)), ("support", .int($0.support))]) })))
            }
            splits.append((name, .object(fields)))
            if name == "test" {
                for (k, v) in ev.scalars { testMetrics[k] = v }
                try recorder?.record(.object([("step", .int(state.step)), ("epoch", .int(state.epoch)), ("split", "test")]
                                             + ev.scalars.map { ($0.0, JSONValue.number($0.1)) }),
                                     scalars: ev.scalars.map { (tag: "test/\($0.0)", value: $0.1) }, step: state.step)
                if case .regression = ev, let recorder {
                    let rows = zip(split.targets, outputs.values).map { "\($0),\($1)" }
                    try recorder.writePredictions("actual,predicted\n" + rows.joined(separator: "\n") + "\n")
                }
            }
            lines.append("\(name): " + ev.scalars.map { "\($0.0) \(Progress.number($0.1))" }.joined(separator: "  "))
        }
        let whole = try consolidatedTensors()
        let sha = try consolidatedSHA256(whole)
        let wall = started.secondsElapsed
        // The global batch over world rank 0's median step (every step of a layout ends in the
        // same collectives on every rank; an accumulated step is its k pieces and one sync).
        let medianRate = state.stepTimes.quantile(0.5).map { JSONValue.number(Double(min(config.train.batchSize, plan.samples)) / $0) } ?? .null
        var fields: [(String, JSONValue)] = [
            ("name", .string(config.name)), ("task", .string(config.data.task.rawValue)), ("status", .string(stoppedByHook ? "stopped" : "finished")),
            ("layout", layout.json), ("epochs", .int(state.epoch)), ("steps", .int(state.step)),
            ("wall_seconds", .number(wall)), ("train_seconds", .number(state.trainSeconds)),
            ("samples_per_second", .number(Double(state.samples) / max(state.trainSeconds, 1e-9))),
            ("samples_per_second_median", medianRate), ("step_seconds", state.stepTimes.summary),
            ("params_sha256", .string(sha)), ("parameters", .int(spec.parameterCount)),
            ("stopped_early", .bool(state.stoppedEarly)), ("best_epoch", stopper?.best != nil ? .int(stopper?.bestEpoch ?? 0) : .null),
            ("data_sha256", .string(data.dataSHA256)),
            ("gradient_sync", syncReport.map { r in .object([("overlap", .bool(r.overlap)), ("buckets", .int(r.buckets)),
                                                            ("bucket_reductions", .int(r.reductions)), ("steps", .int(r.steps)),
                                                            ("intra_node_shared_memory", .bool(intraNode != nil))]) } ?? .null),
            ("checkpoints", .object([("written", .int(checkpointStats.count)), ("seconds", .number(checkpointStats.seconds)),
                                     ("bytes", .int(checkpointStats.bytes)), ("superseded", .int(writer?.superseded ?? 0))])),
        ]
        if let classes = data.classes { fields.append(("classes", .array(classes.map { .string($0) }))) }
        if let w = classWeights, let classes = data.classes { fields.append(("class_weight", ClassWeightSetting.json(w, classes: classes))) }
        fields.append(("schema", SchemaReport.json(data.schema)))
        if model.splitsModel { fields.append(("model_parallel", try parallelSummary(model))) }
        if let slurm = SlurmEnvironment.current() { fields.append(("slurm", slurm.json)) }
        if let w = warmStart?.record { fields.append(("init_from", .object([("path", .string(w.path)), ("params_sha256", .string(w.paramsSHA256))]))) }
        let summary = JSONValue.object(fields + splits)
        if let recorder, let whole {
            let output = head == .binaryCrossEntropy ? "sigmoid" : data.classes == nil ? "identity" : "softmax"
            try recorder.finish(TrainedModel(config: config, resolvedConfig: resolvedYAML, spec: spec, output: output, data: data,
                                             paramsSHA256: sha, testMetrics: testMetrics, tensors: whole, initFrom: warmStart?.record),
                                summary: summary)
            for l in lines { Progress.say(l) }
            Progress.say("params_sha256 \(sha)  (\(Progress.duration(wall)) wall; run directory \(config.output.dir))")
        }
        return summary
    }
}
