import TandemFormats
import TandemModel
import TandemTensor

extension CheckpointManifest {
    /// Largest count a manifest may hold (steps, samples, widths, lines): 2^53, exact as a double,
    /// so no sum or product of a few of them that training does can overflow.
    public static let maxCount = SafeTensors.maxCount

    /// Checks the manifest's internal consistency, with overflow-checked arithmetic, before any of
    /// it is used: counts in 0...2^53, finite non-negative sums, a layout whose product is the
    /// world, and a model whose widths give exactly the recorded parameter count and tensor shapes.
    /// A checksum only proves the file is the one written; this proves it is one Tandem could write.
    /// Throws a `CheckpointError` naming the field.
    public func validate() throws {
        func count(_ value: Int, _ field: String) throws {
            guard (0...Self.maxCount).contains(value) else { throw CheckpointError("manifest \(field) is \(value), outside 0...\(Self.maxCount)") }
        }
        func sum(_ value: Double, _ field: String) throws {
            guard value.isFinite, value >= 0 else { throw CheckpointError("manifest \(field) is \(value), not a finite non-negative number") }
        }
        for (v, f) in [(state.step, "step"), (state.epoch, "epoch"), (state.batch, "batch"), (state.epochSamples, "epoch_samples"), (state.samples, "samples"),
                       (metricsLines, "metrics_lines"), (optimizer.stepCount, "optimizer.step_count"), (model.parameters, "model.parameters")] {
            try count(v, f)
        }
        for (v, f) in [(state.epochLossSum, "epoch_loss_sum"), (state.epochSeconds, "epoch_seconds"), (state.trainSeconds, "train_seconds")] { try sum(v, f) }
        guard state.stepTimes.count <= state.step else {
            throw CheckpointError("manifest step_times holds \(state.stepTimes.count) steps, more than the \(state.step) taken")
        }
        guard !(state.lastGradNorm < 0) else { throw CheckpointError("manifest last_grad_norm is \(state.lastGradNorm), negative") }
        for (v, f) in [(layout.dp, "layout.dp"), (layout.tp, "layout.tp"), (layout.pp, "layout.pp"), (layout.world, "layout.world")] {
            guard (1...Self.maxCount).contains(v) else { throw CheckpointError("manifest \(f) is \(v), outside 1...\(Self.maxCount)") }
        }
        let (dt, o1) = layout.dp.multipliedReportingOverflow(by: layout.tp)
        let (dtp, o2) = dt.multipliedReportingOverflow(by: layout.pp)
        guard !o1, !o2, dtp == layout.world else {
            throw CheckpointError("manifest layout dp \(layout.dp) x tp \(layout.tp) x pp \(layout.pp) is not world \(layout.world)")
        }
        let w = model.widths
        guard w.count >= 2, w.allSatisfy({ (1...Self.maxCount).contains($0) }) else {
            throw CheckpointError("manifest model.widths \(w) must list at least 2 widths in 1...\(Self.maxCount)")
        }
        let spec: NetworkSpec
        do {
            spec = try NetworkSpec.recorded(kind: model.kind, widths: w, norm: model.norm, blocks: model.blocks, blockHidden: model.blockHidden,
                                            embedding: model.embedding)
        } catch {
            throw CheckpointError("manifest model: \(error)")
        }
        guard let specs = spec.checkedParameterSpecs(limit: Self.maxCount) else {
            throw CheckpointError("manifest model.widths \(w) give more than \(Self.maxCount) parameters")
        }
        var parameters = 0
        var expected: [String: [Int]] = [:]
        for s in specs {
            parameters += s.shape.reduce(1, *)
            expected[s.name] = s.shape
        }
        guard parameters == model.parameters else {
            throw CheckpointError("manifest model.parameters is \(model.parameters) but model.widths \(w) give \(parameters)")
        }
        for t in tensors {
            let base = ["optimizer.moment1.", "optimizer.moment2.", "best."].first { t.name.hasPrefix($0) }.map { String(t.name.dropFirst($0.count)) } ?? t.name
            guard let shape = expected[base], shape == t.shape else {
                throw CheckpointError("manifest tensor '\(t.name)' \(t.shape) does not fit model.widths \(w)")
            }
        }
        for name in expected.keys where !tensors.contains(where: { $0.name == name }) {
            throw CheckpointError("manifest lists no tensor '\(name)'")
        }
    }
}
