import Foundation
import TandemComm
import TandemData
import TandemMetrics
import TandemModel
import TandemOptim
import TandemTensor

/// Runs a training job on every rank of `comm`: prepares the data, builds and broadcasts the
/// model, trains with data parallelism, evaluates, and (on world rank 0) writes the run directory.
public final class Trainer {
    public let config: JobConfig
    let comm: Communicator
    let layout: Layout
    let data: PreparedData
    let head: LossHead
    let network: Network
    let run: RunDirectory?
    let started: Date
    var isRoot: Bool { comm.rank == 0 }

    /// Sets up the job; throws a `ConfigError`, `DataError`, `ModelError`, `TrainingError` or
    /// `MPIError` naming what is wrong. `runDirectory` is created on rank 0 only.
    public init(config: JobConfig, comm: Communicator, threads: Int? = nil) throws {
        started = Date()
        self.config = config
        self.comm = comm
        layout = try Layout.make(world: comm, requestedThreads: threads)
        if config.train.batchSize < comm.size {
            throw ConfigError("train.batch_size \(config.train.batchSize) is smaller than the \(comm.size) data-parallel ranks; every rank needs at least one row per batch (batch_size is the global batch)")
        }
        run = comm.rank == 0 ? try RunDirectory(path: config.output.dir) : nil
        data = try PreparedData.prepare(config.data)
        guard data.train.count > 0 else { throw ConfigError("data.split: the training split is empty") }
        head = LossHead(classes: data.classes?.count)
        let spec = NetworkSpec(inputs: data.train.x.cols, hidden: config.model.hidden, outputs: head.outputs,
                               activation: config.model.activation, dropout: config.model.dropout,
                               initScheme: config.model.initScheme)
        network = try Network(spec: spec)
        let yaml = try ConfigLoader.yaml(config)
        try Consistency.requireSame("\(yaml)|\(spec.widths)|\(data.dataSHA256)", "the resolved config, data or model layout", comm: comm)
        if comm.rank == 0 { try Initializer.initialize(network.arena, scheme: spec.initScheme, seed: config.train.seed) }
        try comm.broadcast(network.arena.params.base, count: network.arena.count)
        try Consistency.requireSame(network.arena.sha256, "the initial parameters after broadcast", comm: comm)
        try run?.write("config.yaml", yaml)
    }

    /// Trains, evaluates and writes the run's outputs; returns the summary (the same on every rank).
    @discardableResult
    public func train() throws -> JSONValue {
        let spec = network.spec
        if isRoot {
            let layers = spec.widths.map(String.init).joined(separator: "-")
            Progress.say("tandem: run '\(config.name)' | world \(layout.world) (dp \(layout.dp), tp \(layout.tp), pp \(layout.pp)) | \(layout.ranksPerNode) rank\(layout.ranksPerNode == 1 ? "" : "s")/node x \(layout.blasThreads) BLAS thread\(layout.blasThreads == 1 ? "" : "s") | data \(data.train.count)/\(data.validation.count)/\(data.test.count) train/val/test rows, \(data.featureNames.count) features -> \(spec.inputs) inputs | \(config.model.kind.rawValue) \(layers), \(Progress.grouped(network.arena.count)) parameters | output \(config.output.dir)")
        }
        let evaluator = Evaluator(network: network, head: head, comm: comm, classes: data.classes)
        let outcome = config.model.solver == .exact ? try solveExactly(evaluator) : try optimize(evaluator)
        return try finish(outcome, evaluator: evaluator)
    }

    struct Outcome {
        var epochs = 0
        var steps = 0
        var trainSeconds = 0.0
        var samples = 0
        var stoppedEarly = false
        var bestEpoch: Int?
    }

    private func optimize(_ evaluator: Evaluator) throws -> Outcome {
        let t = config.train
        let plan = BatchPlan(samples: data.train.count, batchSize: t.batchSize, seed: t.seed)
        let totalSteps = t.maxSteps > 0 ? min(t.maxSteps, plan.batchesPerEpoch * t.epochs) : plan.batchesPerEpoch * t.epochs
        let schedule = LRSchedule(kind: t.schedule.name, baseLR: t.optimizer.lr, warmupSteps: t.schedule.warmupSteps,
                                  totalSteps: totalSteps, stepSize: t.schedule.stepSize, gamma: t.schedule.gamma, minLR: t.schedule.minLR)
        let arena = network.arena
        let decay = arena.slots.filter(\.decays).map { $0.offset..<($0.offset + $0.count) }
        let optimizer = Optimizer(options: t.optimizer.options, count: arena.count, decayRanges: decay)
        let capacity = BatchPlan.slice(count: t.batchSize, rank: 0, ranks: comm.size).length
        let step = TrainingStep(network: network, head: head, optimizer: optimizer, comm: comm,
                                clipGradNorm: t.clipGradNorm, seed: t.seed, capacity: capacity)
        var stopper = try t.earlyStopping.map { try EarlyStopping($0, taskMetrics: data.classes == nil ? MetricName.regression : MetricName.classification) }
        let best = stopper?.config.restoreBest == true ? FloatBuffer(count: arena.count) : nil
        var out = Outcome()
        let train = data.train
        let inputs = train.x.cols
        epochs: for epoch in 0..<t.epochs {
            let perm = plan.permutation(epoch: epoch)
            let epochStart = Date()
            var lossSum = 0.0, lastNorm = 0.0, lr = schedule.lr(at: out.steps), epochSamples = 0
            for b in 0..<plan.batchesPerEpoch {
                let count = plan.globalCount(batch: b)
                let (start, length) = BatchPlan.slice(count: count, rank: comm.rank, ranks: comm.size)
                train.x.values.withUnsafeBufferPointer { buffer in
                    guard let src = buffer.baseAddress else { return }
                    for i in 0..<length {
                        let r = perm[b * t.batchSize + start + i]
                        (step.inputs.base + i * inputs).update(from: src + r * inputs, count: inputs)
                        if !train.labels.isEmpty { step.labels[i] = train.labels[r] } else { step.targets.base[i] = train.targets[r] }
                    }
                }
                lr = schedule.lr(at: out.steps)
                let result = try step.run(rows: length, globalCount: count, rowOffset: start, step: out.steps, lr: lr)
                lossSum += result.lossSum
                lastNorm = result.gradNorm
                epochSamples += count
                out.steps += 1
                if t.maxSteps > 0 && out.steps >= t.maxSteps { break }
            }
            let seconds = Date().timeIntervalSince(epochStart)
            out.trainSeconds += seconds
            out.samples += epochSamples
            out.epochs = epoch + 1
            let rate = Double(epochSamples) / max(seconds, 1e-9)
            try run?.appendMetrics(.object([("step", .int(out.steps)), ("epoch", .int(epoch + 1)), ("split", "train"),
                                            ("loss", .number(lossSum / Double(max(epochSamples, 1)))), ("lr", .number(lr)),
                                            ("grad_norm", .number(lastNorm)), ("samples_per_second", .number(rate))]))
            let last = epoch + 1 == t.epochs || (t.maxSteps > 0 && out.steps >= t.maxSteps)
            var line = "epoch \(epoch + 1)/\(t.epochs)  step \(out.steps)  loss \(Progress.number(lossSum / Double(max(epochSamples, 1))))"
            if (epoch + 1) % t.evalEvery == 0 || last, data.validation.count > 0 {
                let (val, _) = try evaluator.evaluate(data.validation)
                try run?.appendMetrics(.object([("step", .int(out.steps)), ("epoch", .int(epoch + 1)), ("split", "validation")]
                                               + val.scalars.map { ($0.0, JSONValue.number($0.1)) }
                                               + [("lr", .number(lr)), ("samples_per_second", .number(rate))]))
                line += "  " + val.scalars.prefix(2).map { "val_\($0.0) \(Progress.number($0.1))" }.joined(separator: "  ")
                if var s = stopper {
                    let monitored = s.split == "validation" ? val.value(of: s.metric) : try evaluator.evaluate(data.train).0.value(of: s.metric)
                    if let v = monitored, s.record(v, epoch: epoch + 1) { best?.copy(from: arena.params) }
                    stopper = s
                    if s.shouldStop { out.stoppedEarly = true }
                }
            }
            let eta = out.trainSeconds / Double(epoch + 1) * Double(t.epochs - epoch - 1)
            line += "  \(Progress.grouped(Int(rate))) samples/s  ETA \(Progress.duration(last || out.stoppedEarly ? 0 : eta))"
            if isRoot { Progress.say(line) }
            if out.stoppedEarly {
                if isRoot, let s = stopper { Progress.say("early stopping: \(s.config.metric) has not improved for \(s.config.patience) evaluations (best \(Progress.number(s.best ?? .nan)) at epoch \(s.bestEpoch))") }
                break epochs
            }
            if last { break }
        }
        if let s = stopper, let best, s.best != nil {
            arena.params.copy(from: best)
            out.bestEpoch = s.bestEpoch
        }
        return out
    }

    /// `linear` with `solver: exact`: accumulate the normal equations over each rank's block of
    /// training rows, allreduce them, and solve by LAPACK on every rank.
    private func solveExactly(_ evaluator: Evaluator) throws -> Outcome {
        let begin = Date()
        let train = data.train
        let (start, length) = BatchPlan.slice(count: train.count, rank: comm.rank, ranks: comm.size)
        var normal = NormalEquations(features: train.x.cols, outputs: 1)
        train.x.values.withUnsafeBufferPointer { x in
            train.targets.withUnsafeBufferPointer { y in
                if let xb = x.baseAddress, let yb = y.baseAddress, length > 0 {
                    normal.accumulate(x: xb + start * train.x.cols, y: yb + start, rows: length)
                }
            }
        }
        normal.sums = try comm.allreduceSum(normal.sums)
        let (weight, bias) = try normal.solve(ridge: config.model.ridge)
        try network.arena.load([NamedTensor(name: "layers.0.weight", shape: [1, train.x.cols], values: weight),
                                NamedTensor(name: "layers.0.bias", shape: [1], values: bias)])
        let seconds = Date().timeIntervalSince(begin)
        if isRoot { Progress.say("exact least-squares solve (ridge \(config.model.ridge)) on \(train.count) rows in \(String(format: "%.3f", seconds)) s") }
        return Outcome(epochs: 1, steps: 0, trainSeconds: seconds, samples: train.count)
    }

    private func finish(_ out: Outcome, evaluator: Evaluator) throws -> JSONValue {
        var splits: [(String, JSONValue)] = []
        var lines: [String] = []
        for (name, split) in [("train", data.train), ("validation", data.validation), ("test", data.test)] where split.count > 0 {
            let (ev, _) = try evaluator.evaluate(split)
            var fields = ev.scalars.map { ($0.0, JSONValue.number($0.1)) }
            if name == "test", case .classification(let m) = ev {
                fields.append(("confusion", .array(m.confusion.map { .array($0.map { .int($0) }) })))
                fields.append(("per_class", .array(m.perClass.map { .object([("label", .string($0.label)), ("precision", .number($0.precision)), ("recall", .number($0.recall)), ("f1", .number($0.f1)), ("support", .int($0.support))]) })))
            }
            splits.append((name, .object(fields)))
            if name == "test" {
                try run?.appendMetrics(.object([("step", .int(out.steps)), ("epoch", .int(out.epochs)), ("split", "test")]
                                               + ev.scalars.map { ($0.0, JSONValue.number($0.1)) }))
            }
            lines.append("\(name): " + ev.scalars.map { "\($0.0) \(Progress.number($0.1))" }.joined(separator: "  "))
        }
        let sha = network.arena.sha256
        let wall = Date().timeIntervalSince(started)
        var fields: [(String, JSONValue)] = [
            ("name", .string(config.name)), ("task", .string(config.data.task.rawValue)), ("status", "finished"),
            ("layout", layout.json), ("epochs", .int(out.epochs)), ("steps", .int(out.steps)),
            ("wall_seconds", .number(wall)), ("train_seconds", .number(out.trainSeconds)),
            ("samples_per_second", .number(Double(out.samples) / max(out.trainSeconds, 1e-9))),
            ("params_sha256", .string(sha)), ("parameters", .int(network.arena.count)),
            ("stopped_early", .bool(out.stoppedEarly)), ("best_epoch", out.bestEpoch.map { .int($0) } ?? .null),
            ("data_sha256", .string(data.dataSHA256)),
        ]
        if let classes = data.classes { fields.append(("classes", .array(classes.map { .string($0) }))) }
        let summary = JSONValue.object(fields + splits)
        if let run {
            try run.write("params.safetensors", SafeTensors.encode(network.arena.tensors(), metadata: ["params_sha256": sha, "name": config.name]))
            try run.write("summary.json", summary.renderedPretty() + "\n")
            for l in lines { Progress.say(l) }
            Progress.say("params_sha256 \(sha)  (\(Progress.duration(wall)) wall; run directory \(config.output.dir))")
        }
        return summary
    }
}
