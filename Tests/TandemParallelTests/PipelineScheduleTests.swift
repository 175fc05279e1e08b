import Testing
@testable import TandemParallel

@Suite struct PipelineScheduleTests {
    /// On every stage each micro-batch runs forward once and backward once, forward first;
    /// forwards and backwards each in micro-batch order (what neighbours send). With chunks,
    /// per (micro-batch, chunk) and per chunk.
    @Test func everyMicroBatchForwardThenBackwardOnce() {
        for l in PipelineLayout.sweep(stages: 1...4, microBatches: 1...9, virtualStages: 1...3) {
            for stage in 0..<l.stages {
                let ops = PipelineSchedule.ops(l.kind, stage: stage, stages: l.stages, microBatches: l.microBatches, virtualStages: l.virtualStages)
                #expect(ops.count == 2 * l.microBatches * l.virtualStages, "\(l)")
                #expect(Set(ops).count == ops.count, "\(l)")
                for k in 0..<l.microBatches {
                    for c in 0..<l.virtualStages {
                        let f = ops.firstIndex(of: .forward(k, chunk: c)), b = ops.firstIndex(of: .backward(k, chunk: c))
                        #expect(f != nil && b != nil && f! < b!, "\(l) stage \(stage) micro-batch \(k) chunk \(c)")
                    }
                }
                for c in 0..<l.virtualStages {
                    #expect(ops.filter { $0.isForward && $0.chunk == c }.map(\.microBatch) == Array(0..<l.microBatches), "\(l)")
                    #expect(ops.filter { !$0.isForward && $0.chunk == c }.map(\.microBatch) == Array(0..<l.microBatches), "\(l)")
                }
            }
        }
    }

    @Test func oneFOneBHoldsAtMostPipelineDepth() {
        for stages in 1...4 {
            for m in 1...12 {
                for stage in 0..<stages {
                    let peak = PipelineSchedule.peakInFlight(PipelineSchedule.ops(.oneFOneB, stage: stage, stages: stages, microBatches: m))
                    #expect(peak <= stages - stage && peak <= m)
                    #expect(PipelineSchedule.peakInFlight(PipelineSchedule.ops(.gpipe, stage: stage, stages: stages, microBatches: m)) == m)
                }
            }
        }
        #expect(PipelineSchedule.ops(.oneFOneB, stage: 0, stages: 2, microBatches: 3)
                == [.forward(0), .forward(1), .backward(0), .forward(2), .backward(1), .backward(2)])
        #expect(abs(PipelineSchedule.theoreticalBubble(stages: 2, microBatches: 8) - 1.0 / 9.0) < 1e-12)
        #expect(abs(PipelineSchedule.theoreticalBubble(stages: 2, microBatches: 8, virtualStages: 2) - 1.0 / 17.0) < 1e-12)
    }

    /// Interleaved 1F1B in Megatron-LM's order (the sweep above checks every layout's counts
    /// and orders).
    @Test func interleavedFollowsMegatronsOrder() {
        // Megatron-LM's order on 2 stages, 2 chunks, 4 micro-batches, stage 0: a warm-up of
        // 2 (2 - 0 - 1) + (2 - 1) 2 = 4 forwards, then alternate.
        #expect(PipelineSchedule.ops(.oneFOneB, stage: 0, stages: 2, microBatches: 4, virtualStages: 2).map(\.description)
                == ["F0", "F1", "F0c1", "F1c1", "F2", "B0c1", "F3", "B1c1", "F2c1", "B0", "F3c1", "B1", "B2c1", "B3c1", "B2", "B3"])
    }

    @Test func interleavedNeedsAPipelineAndWholeGroups() {
        #expect(PipelineSchedule.requirement(stages: 2, microBatches: 8, virtualStages: 2) == nil)
        #expect(PipelineSchedule.requirement(stages: 3, microBatches: 7, virtualStages: 1) == nil)
        #expect(PipelineSchedule.requirement(stages: 3, microBatches: 7, virtualStages: 2)?.reason
                == .microBatchesNotMultiple(microBatches: 7, pipeline: 3, virtualStages: 2))
        #expect("\(PipelineSchedule.requirement(stages: 3, microBatches: 7, virtualStages: 2)!)".contains("use 6 or 9"))
        #expect(PipelineSchedule.requirement(stages: 1, microBatches: 4, virtualStages: 2)?.reason == .virtualStagesWithoutPipeline(virtualStages: 2))
    }
}
