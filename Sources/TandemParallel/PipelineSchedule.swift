/// The order in which a pipeline stage runs its micro-batches in one training step.
public enum PipelineScheduleKind: String, Codable, Sendable, CaseIterable {
    /// GPipe: every micro-batch forward, then every micro-batch backward (holds all `m`
    /// micro-batches' activations).
    case gpipe
    /// One-forward-one-backward (PipeDream-Flush): a warm-up of `pp - stage - 1` forwards,
    /// then alternate, then drain; at most `pp - stage` micro-batches held. With virtual stages
    /// (`v > 1` model chunks per rank) Megatron-LM's interleaved 1F1B.
    case oneFOneB = "1f1b"
}

/// One unit of pipeline work: a micro-batch's forward or backward pass through one of the
/// rank's model chunks (`chunk` is the local index, 0..<v; always 0 without virtual stages).
/// Schedules hold forwards and backwards; `weights` (a chunk's deferred weight gradients over
/// the whole batch, after its last backward `microBatch`) and `packs` (packing the chunk's dense
/// weights for the micro-batches of `microBatch`'s pass, see `WeightPacks`) are only reported to
/// observers.
public struct PipelineOp: Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Pass: Sendable { case forward, backward, weights, packs }
    public let pass: Pass
    public let microBatch: Int
    public let chunk: Int

    public static func forward(_ microBatch: Int, chunk: Int = 0) -> PipelineOp { PipelineOp(pass: .forward, microBatch: microBatch, chunk: chunk) }
    public static func backward(_ microBatch: Int, chunk: Int = 0) -> PipelineOp { PipelineOp(pass: .backward, microBatch: microBatch, chunk: chunk) }

    public var isForward: Bool { pass == .forward }
    public var description: String {
        let letter = switch pass { case .forward: "F"; case .backward: "B"; case .weights: "W"; case .packs: "P" }
        return "\(letter)\(microBatch)\(chunk == 0 ? "" : "c\(chunk)")"
    }
}

public enum PipelineSchedule {
    /// The ops stage `stage` of `stages` runs for `microBatches` micro-batches, with
    /// `virtualStages` model chunks per stage (global chunk `c * stages + stage` is local chunk
    /// `c`). Every micro-batch runs forward once and backward once through every chunk, forward
    /// before backward; stages agree on the order of what they pass each other, so blocking
    /// receives never deadlock (`PipelineSimulator` checks it). With `virtualStages > 1`,
    /// `microBatches` must be a multiple of `stages` (`requirement` says why not).
    ///
    /// Interleaved 1F1B (Megatron-LM): forwards go in groups of `stages` micro-batches through
    /// chunk 0, then the same group through chunk 1, ..., backwards likewise from the last chunk;
    /// the warm-up is `2 (stages - stage - 1) + (v - 1) stages` forwards.
    public static func ops(_ kind: PipelineScheduleKind, stage: Int, stages p: Int, microBatches m: Int, virtualStages v: Int = 1) -> [PipelineOp] {
        let total = m * v
        let warmup: Int
        switch kind {
        case .gpipe: warmup = total
        case .oneFOneB: warmup = v == 1 ? min(p - stage - 1, m) : min(2 * (p - stage - 1) + (v - 1) * p, total)
        }
        // Unit i of the forward (backward) sequence: its micro-batch and local chunk.
        func unit(_ i: Int, forward: Bool) -> PipelineOp {
            guard v > 1 else { return forward ? .forward(i) : .backward(i) }
            let group = i / (p * v), within = i % (p * v)
            let k = group * p + within % p
            let c = within / p
            return forward ? .forward(k, chunk: c) : .backward(k, chunk: v - 1 - c)
        }
        var ops = (0..<warmup).map { unit($0, forward: true) }
        for i in 0..<(total - warmup) {
            ops.append(unit(warmup + i, forward: true))
            ops.append(unit(i, forward: false))
        }
        ops += ((total - warmup)..<total).map { unit($0, forward: false) }
        return ops
    }

    /// Why `microBatches` cannot run on `stages` stages with `virtualStages` chunks each, or nil:
    /// the interleaved schedule moves micro-batches in groups of `stages`.
    public static func requirement(stages p: Int, microBatches m: Int, virtualStages v: Int) -> ParallelError? {
        guard v > 1 else { return nil }
        guard p > 1 else { return ParallelError(.virtualStagesWithoutPipeline(virtualStages: v)) }
        return m % p == 0 ? nil : ParallelError(.microBatchesNotMultiple(microBatches: m, pipeline: p, virtualStages: v))
    }

    /// The most chunk activations held at once when running `ops` (a micro-batch held by two
    /// chunks counts twice).
    public static func peakInFlight(_ ops: [PipelineOp]) -> Int {
        var held = 0, peak = 0
        for op in ops {
            held += op.isForward ? 1 : -1
            peak = max(peak, held)
        }
        return peak
    }

    /// The idle fraction of an ideal pipeline with equal stage times: (p - 1) / (v m + p - 1)
    /// (v = 1: 1F1B's and GPipe's (p - 1) / (m + p - 1)).
    public static func theoreticalBubble(stages p: Int, microBatches m: Int, virtualStages v: Int = 1) -> Double {
        Double(p - 1) / Double(v * m + p - 1)
    }
}
