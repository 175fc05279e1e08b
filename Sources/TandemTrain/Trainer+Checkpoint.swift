import Foundation
import TandemFormats
import TandemOptim
import TandemComm
import TandemMetrics
import TandemModel
import TandemTensor

extension Trainer {
    /// The buffers a checkpoint holds with their tensor-name prefixes: parameters, optimizer
    /// moments, and the best parameters when kept (each `[arena.count]`, this rank's layout).
    private var checkpointBuffers: [(buffer: FloatBuffer, prefix: String)] {
        [(arena.params, ""), (optimizer.moment1, "optimizer.moment1."), (optimizer.moment2, "optimizer.moment2."), (best, "best.")]
            .compactMap { buffer, prefix in buffer.flatMap { $0.count == arena.count ? ($0, prefix) : nil } }
    }

    /// Rank 0 snapshots the current state and hands it to the background writer (every rank
    /// returns the checkpoint's path). Parameters are replicated under data parallelism, so no
    /// gathering is needed; under model parallelism rank 0 gathers the shards first.
    /// `wait` blocks until it is on disk (before exiting on a stop signal).
    @discardableResult
    func saveCheckpoint(wait: Bool = false) throws -> String {
        let path = store.root.appendingPathComponent("step-\(state.step)").path
        let buffers = checkpointBuffers
        // Under model parallelism rank 0 gathers each buffer's shards into the whole model's
        // layout (a collective: every rank calls it); otherwise it copies its own buffers
        // straight into the snapshot.
        let gathered = model.splitsModel ? try buffers.map { try consolidated($0.buffer) } : []
        guard isRoot, let writer else { return path }
        let slots = wholeSlots
        let tensors = buffers.flatMap { b in slots.map { SafeTensorsImage.Tensor(name: b.prefix + $0.name, shape: $0.shape) } }
        let manifest = CheckpointManifest(
            formatVersion: CheckpointManifest.currentFormat, tandemVersion: TandemInfo.version,
            createdAt: ISO8601DateFormatter().string(from: Date()), state: state, trainSeed: config.train.seed, splitSeed: config.data.split.seed, config: resolvedYAML,
            task: config.data.task.rawValue, classes: data.classes, preprocessor: data.preprocessor, dataSHA256: data.dataSHA256,
            layout: .init(world: layout.world, dp: layout.dp, tp: layout.tp, pp: layout.pp),
            model: .init(kind: config.model.kind.rawValue, widths: spec.widths, activation: config.model.activation.rawValue,
                         parameters: spec.parameterCount, norm: spec.norm == .none ? nil : spec.norm.rawValue,
                         blocks: spec.residual?.blocks, blockHidden: spec.residual?.hidden, embedding: spec.embedding),
            optimizer: .init(name: config.train.optimizer.name.rawValue, stepCount: optimizer.stepCount),
            earlyStopping: stopper.map { .init(metric: $0.config.metric, best: $0.best, bestEpoch: $0.bestEpoch, sinceBest: $0.sinceBest) },
            metricsLines: recorder?.metricsLines ?? 0,
            tensors: [], files: [:])
        let direction = state.metric?.direction
        try writer.submit(manifest: manifest, tensors: tensors, keep: config.checkpoint.keep,
                          bestBy: config.checkpoint.keepBest ? direction : nil) { image in
            for k in buffers.indices {
                let copy = { (whole: UnsafePointer<Float>) in
                    for (j, s) in slots.enumerated() {
                        image.values(k * slots.count + j).baseAddress?.update(from: whole + s.offset, count: s.count)
                    }
                }
                if gathered.isEmpty {
                    copy(UnsafePointer(buffers[k].buffer.base))
                } else {
                    guard let whole = gathered[k] else {
                        let name = buffers[k].prefix.isEmpty ? "parameters" : String(buffers[k].prefix.dropLast())
                        throw CheckpointError("rank 0 holds no gathered \(name) to checkpoint")
                    }
                    whole.withUnsafeBufferPointer { if let p = $0.baseAddress { copy(p) } }
                }
            }
        }
        if wait { try writer.wait() }
        return path
    }

    /// Rank 0 finds the checkpoint to resume from (verifying checksums, skipping bad ones with a
    /// warning) and broadcasts its files; every rank returns the same decoded checkpoint, or nil.
    func locate(_ request: ResumeRequest) throws -> Checkpoint? {
        if request == .none { return nil }
        var payload: [UInt8] = []
        if isRoot {
            var found: Checkpoint?
            switch request {
            case .none: break
            case .auto:
                found = store.newestValid { Progress.warn($0) }
                if found == nil { Progress.say("no usable checkpoint under \(store.root.path); starting fresh") }
            case .path(let p):
                found = try CheckpointStore.load(URL(fileURLWithPath: p, isDirectory: true))
            }
            if let found {
                Progress.say("resuming from \(found.directory.path) (step \(found.manifest.state.step))")
                payload = Array(found.directory.path.utf8)
            }
        }
        let chosen = try comm.broadcast(bytes: payload)
        guard !chosen.isEmpty else { return nil }
        let dir = URL(fileURLWithPath: String(decoding: chosen, as: UTF8.self), isDirectory: true)
        // Rank 0 sends the verified files, so other nodes need not see the run directory.
        let manifest = try comm.broadcast(bytes: isRoot ? Array((try? Data(contentsOf: dir.appendingPathComponent("manifest.json"))) ?? Data()) : [])
        let blob = try comm.broadcast(bytes: isRoot ? Array((try? Data(contentsOf: dir.appendingPathComponent("tensors.safetensors"))) ?? Data()) : [])
        let decoded: CheckpointManifest
        do { decoded = try JSONDecoder().decode(CheckpointManifest.self, from: Data(manifest)) } catch {
            throw CheckpointError("\(dir.lastPathComponent): manifest.json does not parse: \(error)")
        }
        do { try decoded.validate() } catch { throw CheckpointError("\(dir.lastPathComponent): \(error)") }
        guard SHA256.hex(Data(blob)) == decoded.files["tensors.safetensors"] else {
            throw CheckpointError("\(dir.lastPathComponent): checksum mismatch in tensors.safetensors after broadcast")
        }
        return Checkpoint(directory: dir, manifest: decoded, tensors: try SafeTensors.decode(Data(blob)).tensors)
    }

    /// Checks that `checkpoint` fits this config and model, then loads parameters, optimizer
    /// state, best parameters, early-stopping state and the loop position.
    func restore(_ checkpoint: Checkpoint) throws {
        let m = checkpoint.manifest
        let name = checkpoint.directory.lastPathComponent
        func require(_ same: Bool, _ field: String, _ saved: String, _ now: String) throws {
            if !same {
                let dir = config.output.dir
                throw CheckpointError(incompatible: field, "checkpoint \(name) does not fit this config: \(field) was \(saved) when it was saved, now \(now). \(dir)/config.yaml holds the resolved config the run was started with (every --set applied): continue with `tandem train \(dir) --resume auto`, adding --set only for what should change")
            }
        }
        try require(m.task == config.data.task.rawValue, "data.task", m.task, config.data.task.rawValue)
        try require(m.classes == data.classes, "the classes", "\(m.classes ?? [])", "\(data.classes ?? [])")
        try require(m.model.kind == config.model.kind.rawValue, "model.kind", m.model.kind, config.model.kind.rawValue)
        try require(m.model.widths == spec.widths, "the layer widths (inputs, model.hidden, outputs)",
                    m.model.widths.map(String.init).joined(separator: "-"), spec.widths.map(String.init).joined(separator: "-"))
        try require(m.model.blocks == spec.residual?.blocks, "model.blocks", "\(m.model.blocks ?? 0)", "\(spec.residual?.blocks ?? 0)")
        try require(m.model.blockHidden == spec.residual?.hidden, "model.block_hidden", "\(m.model.blockHidden ?? 0)", "\(spec.residual?.hidden ?? 0)")
        try require(m.model.embedding == spec.embedding, "the embedding tables (data.preprocess.categorical, model.embedding_dim)",
                    m.model.embedding.map { "dims \($0.dims)" } ?? "none", spec.embedding.map { "dims \($0.dims)" } ?? "none")
        try require((m.model.norm ?? "none") == config.model.norm.rawValue, "model.norm", m.model.norm ?? "none", config.model.norm.rawValue)
        try require(m.model.activation == config.model.activation.rawValue, "model.activation", m.model.activation, config.model.activation.rawValue)
        try require(m.optimizer.name == config.train.optimizer.name.rawValue, "train.optimizer.name", m.optimizer.name, config.train.optimizer.name.rawValue)
        try require(m.trainSeed == config.train.seed, "train.seed", "\(m.trainSeed)", "\(config.train.seed)")
        try require((m.earlyStopping != nil) == (stopper != nil), "train.early_stopping", m.earlyStopping == nil ? "off" : "on", stopper == nil ? "off" : "on")
        if m.dataSHA256 != data.dataSHA256 && isRoot { Progress.warn("the data file changed since checkpoint \(name) was written") }
        // Checkpoints hold the whole model, so any parallel layout can resume any other's.
        let slots = wholeSlots
        let total = slots.reduce(0) { $0 + $1.count }
        func load(_ prefix: String, into buffer: FloatBuffer) throws {
            var whole = [Float](repeating: 0, count: total)
            for s in slots {
                guard let t = checkpoint.tensor(prefix + s.name), t.shape == s.shape, t.values.count == s.count else {
                    throw CheckpointError("checkpoint \(name): tensor '\(prefix + s.name)' is missing or has the wrong shape (expected \(s.shape))")
                }
                whole.replaceSubrange(s.offset..<(s.offset + s.count), with: t.values)
            }
            distribute(whole, into: buffer)
        }
        try load("", into: arena.params)
        if optimizer.moment1.count > 0 { try load("optimizer.moment1.", into: optimizer.moment1) }
        if optimizer.moment2.count > 0 { try load("optimizer.moment2.", into: optimizer.moment2) }
        if let best { try load("best.", into: best) }
        optimizer.stepCount = m.optimizer.stepCount
        if var s = stopper, let e = m.earlyStopping {
            s.restore(best: e.best, bestEpoch: e.bestEpoch, sinceBest: e.sinceBest)
            stopper = s
        }
        state = m.state
        // A finished run resumed with more epochs or steps continues; the saved end is not sticky.
        let t = config.train
        state.finished = m.state.stoppedEarly || state.epoch >= t.epochs || (t.maxSteps > 0 && state.step >= t.maxSteps)
        if !state.finished && isRoot { noteScheduleRestart(savedConfig: m.config) }
    }

    /// Extending a run (more epochs or steps than it was started with): a decaying schedule is
    /// laid over the new total number of steps, so the learning rate jumps from where the saved
    /// run's schedule had it. Says so, with the two rates and the flags that continue at the
    /// saved rate instead. Silent when the rate is unchanged (the same config).
    private func noteScheduleRestart(savedConfig: String) {
        guard config.train.schedule.name != .constant, state.step > 0,
              let saved = try? ConfigLoader.parse(savedConfig, source: "checkpoint") else { return }
        let n = plan.batchesPerEpoch
        guard Self.totalSteps(config.train, batchesPerEpoch: n) != Self.totalSteps(saved.train, batchesPerEpoch: n) else { return }
        let before = Self.schedule(saved.train, batchesPerEpoch: n).lr(at: state.step - 1)
        let now = schedule.lr(at: state.step)
        guard abs(now - before) > 0.01 * max(before, 1e-12) else { return }
        Progress.warn("extending the run: the \(config.train.schedule.name.rawValue) schedule now spans the new total of steps, so the learning rate goes from \(String(format: "%.3g", before)) (where the saved run had it) to \(String(format: "%.3g", now)) at step \(state.step); to continue at the low rate instead, add --set train.schedule.name=constant --set train.optimizer.lr=\(String(format: "%.3g", before))")
    }
}
