import Foundation
import TandemComm
import TandemMetrics
import TandemModel
import TandemTensor

extension Trainer {
    /// The epoch/batch loop from `state` to the end (or to a stop signal), with evaluation,
    /// early stopping and checkpoints.
    func optimize(_ evaluator: Evaluator) throws -> LoopEnd {
        let t = config.train
        let p = config.parallel
        let firstStep = state.step
        // A batch larger than the training split holds only the split (batch_size 2^24 on 1,259 rows took 10 GB).
        let capacity = BatchPlan.slice(count: min(t.batchSize, plan.samples), rank: 0, ranks: dpSize).length
        let sync = GradientSync(comm: model.dp, arena: arena, overlap: overlapGradientSync,
                                firstBucketBytes: Int(p.firstBucketMiB * 1_048_576), bucketBytes: Int(p.bucketMiB * 1_048_576),
                                reducer: intraNode, timeline: timeline)
        let step = TrainingStep(model: model, head: head, optimizer: optimizer, clipGradNorm: t.clipGradNorm,
                                seed: t.seed, capacity: capacity, sync: sync, timeline: timeline, classWeights: classWeights)
        defer {
            sync.close()
            syncReport = (sync.overlap, sync.buckets.count, sync.reductions, state.step - firstStep)
            pipelineReport = (step.bubbleFraction, model.pipeline.maxHeld, step.layerSeconds)
        }
        StopSignal.shared.install()
        let train = data.train
        let trainRows = train.rows
        // This rank's dataset rows of the current batch (no allocation per step).
        let batchRows = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(capacity, 1))
        defer { batchRows.deallocate() }
        let classify = train.isClassification
        // Only the first pipeline stage reads the model input; the others skip encoding it.
        let readsInputs = model.pipeline.isFirst
        // The split's encoded rows, when they fit data.in_memory_mib: a batch is then row copies.
        let encoded = readsInputs ? EncodedRows(split: train, budgetBytes: config.data.inMemoryBytes) : nil
        let inWidth = train.width
        // The next batch's rows come from memory in three pieces: now, after forward, after backward.
        let prefetch = encoded.map { BatchPrefetch(rows: $0, capacity: capacity, parts: 3) }
        step.afterPass = prefetch.map { p in { pass in
            switch pass {
            case .forward: p.fetch(part: 1)
            case .backward: p.fetch(part: 2)
            default: break
            }
        } }
        var lastSave = ContinuousClock.now
        var signals = [0.0, 0.0]  // stop requested, time to save: reused every step
        let maxStepsReached = { t.maxSteps > 0 && self.state.step >= t.maxSteps }
        while state.epoch < t.epochs && !state.finished {
            let perm = plan.permutation(epoch: state.epoch)
            // The end of the previous step when nothing ran since (no checkpoint, same epoch):
            // one clock read per step, each step timed from the end of the one before.
            var previousEnd: ContinuousClock.Instant?
            while state.batch < plan.batchesPerEpoch && !maxStepsReached() {
                let begin = previousEnd ?? ContinuousClock.now
                FaultInjection.beforeStep(state.step, rank: comm.rank)
                comm.step = state.step
                model.step = state.step
                intraNode?.step = state.step
                let count = plan.globalCount(batch: state.batch)
                let (start, length) = BatchPlan.slice(count: count, rank: dpRank, ranks: dpSize)
                let loadStart = timeline?.now()
                let first = state.batch * t.batchSize + start
                if let encoded, classify {
                    perm.withUnsafeBufferPointer { p in
                        encoded.copy(positions: UnsafeBufferPointer(rebasing: p[first..<(first + length)]), into: step.inputs.base,
                                     labels: step.labels.baseAddress)
                    }
                } else {
                    for i in 0..<length {
                        let position = perm[first + i]
                        if let encoded { encoded.copy(position: position, into: step.inputs.base + i * inWidth) }
                        let r = trainRows[position]
                        batchRows[i] = r
                        if classify { step.labels[i] = train.label(row: r) } else { step.targets.base[i] = train.target(row: r) }
                    }
                }
                if encoded == nil && readsInputs { train.encoder.encode(rows: UnsafeBufferPointer(rebasing: batchRows[0..<length]), into: step.inputs.base) }
                // The next batch's rows and labels start coming from memory while this step computes.
                if let prefetch {
                    let more = state.batch + 1 < plan.batchesPerEpoch
                    perm.withUnsafeBufferPointer { p in
                        let next = more ? min((state.batch + 1) * t.batchSize + start, p.count) : 0
                        prefetch.setNext(UnsafeBufferPointer(rebasing: p[next..<(more ? min(next + length, p.count) : 0)]))
                    }
                    prefetch.fetch(part: 0)
                }
                if let s = loadStart { timeline?.span("data loading", "data", from: s, step: state.step) }
                let timeToSave = isRoot && config.checkpoint.everySeconds > 0 && (begin - lastSave).seconds >= config.checkpoint.everySeconds
                signals[0] = StopSignal.shared.signal == nil ? 0 : 1
                signals[1] = timeToSave ? 1 : 0
                let weight = classWeights.map { w in
                    (0..<count).reduce(0.0) { $0 + Double(w[Int(train.label(row: trainRows[perm[state.batch * t.batchSize + $1]]))]) }
                }
                let result = try step.run(rows: length, globalCount: count, rowOffset: start, step: state.step,
                                          lr: schedule.lr(at: state.step),
                                          signals: signals, globalWeight: weight)
                state.step += 1
                state.batch += 1
                state.epochLossSum += result.lossSum
                state.epochSamples += count
                state.lastGradNorm = result.gradNorm
                let end = ContinuousClock.now
                let seconds = (end - begin).seconds
                state.epochSeconds += seconds
                state.stepTimes.record(seconds)
                previousEnd = end
                let stop = step.signal(0) > 0 || state.step == stopAtStep
                let every = config.checkpoint.everySteps
                if stop || step.signal(1) > 0 || (every > 0 && state.step % every == 0) {
                    let ckStart = timeline?.now()
                    let path = try saveCheckpoint(wait: stop)
                    if let s = ckStart { timeline?.span("checkpoint", "io", from: s, step: state.step) }
                    lastSave = ContinuousClock.now
                    previousEnd = nil
                    if stop { return .interrupted(signal: StopSignal.shared.signal, checkpoint: path) }
                }
            }
            try endEpoch(evaluator, last: state.epoch + 1 == t.epochs || maxStepsReached())
        }
        if state.finished && config.checkpoint.everySteps > 0 && state.step % config.checkpoint.everySteps != 0 {
            try saveCheckpoint()
        }
        if let s = stopper, let best, s.best != nil { arena.params.copy(from: best) }
        return .finished
    }

    /// Logs the epoch, evaluates, applies early stopping, and moves `state` to the next epoch.
    private func endEpoch(_ evaluator: Evaluator, last: Bool) throws {
        let t = config.train
        let epoch = state.epoch
        let lr = schedule.lr(at: max(0, state.step - 1))
        let meanLoss = state.epochLossSum / Double(max(state.epochSamples, 1))
        let rate = Double(state.epochSamples) / max(state.epochSeconds, 1e-9)
        try recorder?.record(.object([("step", .int(state.step)), ("epoch", .int(epoch + 1)), ("split", "train"),
                                      ("loss", .number(meanLoss)), ("lr", .number(lr)),
                                      ("grad_norm", .number(state.lastGradNorm)), ("samples_per_second", .number(rate))]),
                             scalars: [("train/loss", meanLoss), ("lr", lr), ("grad_norm", state.lastGradNorm), ("samples_per_second", rate)],
                             step: state.step)
        var line = "epoch \(epoch + 1)/\(t.epochs)  step \(state.step)  loss \(Progress.number(meanLoss))"
        if (epoch + 1) % t.evalEvery == 0 || last, data.validation.count > 0 {
            let evalStart = timeline?.now()
            let (val, _) = try evaluator.evaluate(data.validation)
            if let s = evalStart { timeline?.span("evaluation", "eval", from: s, step: state.step) }
            try recorder?.record(.object([("step", .int(state.step)), ("epoch", .int(epoch + 1)), ("split", "validation")]
                                         + val.scalars.map { ($0.0, JSONValue.number($0.1)) }
                                         + [("lr", .number(lr)), ("samples_per_second", .number(rate))]),
                                 scalars: val.scalars.map { (tag: "validation/\($0.0)", value: $0.1) }, step: state.step)
            line += "  " + val.scalars.prefix(2).map { "val_\($0.0) \(Progress.number($0.1))" }.joined(separator: "  ")
            state.metric = SplitMetric(split: .validation, name: "loss")
            state.metricValue = val.loss
            if var s = stopper {
                let monitored = s.metric.split == .validation ? val.value(of: s.metric.name) : try evaluator.evaluate(data.train).0.value(of: s.metric.name)
                if let v = monitored {
                    state.metric = s.metric
                    state.metricValue = v
                    if s.record(v, epoch: epoch + 1) { best?.copy(from: arena.params) }
                }
                stopper = s
                if s.shouldStop { state.stoppedEarly = true }
            }
            if let hook = epochHook, try !hook(epoch + 1, val.scalars) {
                state.stoppedEarly = true
                stoppedByHook = true
            }
        }
        state.trainSeconds += state.epochSeconds
        state.samples += state.epochSamples
        let eta = state.trainSeconds / Double(epoch + 1) * Double(t.epochs - epoch - 1)
        line += "  \(Progress.grouped(Int(rate))) samples/s  ETA \(Progress.duration(last || state.stoppedEarly ? 0 : eta))"
        try recorder?.flush()
        recorder?.showEpoch(line, fraction: Double(epoch + 1) / Double(t.epochs), final: last || state.stoppedEarly)
        if state.stoppedEarly, isRoot, let s = stopper {
            Progress.say("early stopping: \(s.config.metric) has not improved for \(s.config.patience) evaluations (best \(Progress.number(s.best ?? .nan)) at epoch \(s.bestEpoch))")
        }
        state.epoch += 1
        state.batch = 0
        state.epochLossSum = 0
        state.epochSamples = 0
        state.epochSeconds = 0
        if last || state.stoppedEarly { state.finished = true }
    }
}
