/// The order in which a pipeline stage runs its micro-batches in one training step.
public enum PipelineScheduleKind: String, Codable, Sendable, CaseIterable {
    /// GPipe: every micro-batch forward, then every micro-batch backward (holds all `m`
    /// micro-batches' activations).
    case gpipe
    /// One-forward-one-backward (PipeDream-Flush): a warm-up of `pp - stage - 1` forwards,
    /// then alternate, then drain; at most `pp - stage` micro-batches held.
    case oneFOneB = "1f1b"
}

/// One unit of pipeline work.
public enum PipelineOp: Equatable, Sendable {
    case forward(Int)
    case backward(Int)
}

public enum PipelineSchedule {
    /// The ops stage `stage` of `stages` runs for `microBatches` micro-batches. Every micro-batch
    /// is run forward once and backward once, forward before backward; stages agree on the
    /// order of what they pass each other, so blocking receives never deadlock.
    public static func ops(_ kind: PipelineScheduleKind, stage: Int, stages: Int, microBatches m: Int) -> [PipelineOp] {
        switch kind {
        case .gpipe:
            return (0..<m).map { .forward($0) } + (0..<m).map { .backward($0) }
        case .oneFOneB:
            let warmup = min(stages - stage - 1, m)
            var ops: [PipelineOp] = (0..<warmup).map { .forward($0) }
            for i in 0..<(m - warmup) {
                ops.append(.forward(warmup + i))
                ops.append(.backward(i))
            }
            ops += ((m - warmup)..<m).map { .backward($0) }
            return ops
        }
    }

    /// The most micro-batches whose activations are held at once when running `ops`.
    public static func peakInFlight(_ ops: [PipelineOp]) -> Int {
        var held = 0, peak = 0
        for op in ops {
            if case .forward = op { held += 1 } else { held -= 1 }
            peak = max(peak, held)
        }
        return peak
    }

    /// The idle fraction of an ideal pipeline with equal stage times: (p - 1) / (m + p - 1).
    public static func theoreticalBubble(stages p: Int, microBatches m: Int) -> Double {
        Double(p - 1) / Double(m + p - 1)
    }
}
