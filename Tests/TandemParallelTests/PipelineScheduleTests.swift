import Testing
@testable import TandemParallel

@Suite struct PipelineScheduleTests {
    @Test func everyMicroBatchForwardThenBackwardOnce() {
        for kind in PipelineScheduleKind.allCases {
            for stages in 1...4 {
                for m in 1...9 {
                    for stage in 0..<stages {
                        let ops = PipelineSchedule.ops(kind, stage: stage, stages: stages, microBatches: m)
                        #expect(ops.count == 2 * m)
                        for k in 0..<m {
                            let f = ops.firstIndex(of: .forward(k)), b = ops.firstIndex(of: .backward(k))
                            #expect(f != nil && b != nil && f! < b!)
                        }
                        // Forwards and backwards each in micro-batch order (what neighbours send).
                        let fs = ops.filter(\.isForward).map(\.microBatch)
                        let bs = ops.filter { !$0.isForward }.map(\.microBatch)
                        #expect(fs == Array(0..<m) && bs == Array(0..<m))
                    }
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

    /// Interleaved 1F1B: on every stage each (micro-batch, chunk) runs forward once and backward
    /// once, forward first; per chunk, forwards and backwards go in micro-batch order.
    @Test func interleavedRunsEveryChunkOfEveryMicroBatch() {
        for kind in PipelineScheduleKind.allCases {
            for p in 2...4 {
                for v in 2...3 {
                    for m in stride(from: p, through: 4 * p, by: p) {
                        for stage in 0..<p {
                            let ops = PipelineSchedule.ops(kind, stage: stage, stages: p, microBatches: m, virtualStages: v)
                            #expect(ops.count == 2 * m * v)
                            #expect(Set(ops).count == ops.count)
                            for k in 0..<m {
                                for c in 0..<v {
                                    let f = ops.firstIndex(of: .forward(k, chunk: c)), b = ops.firstIndex(of: .backward(k, chunk: c))
                                    #expect(f != nil && b != nil && f! < b!)
                                }
                            }
                            for c in 0..<v {
                                #expect(ops.filter { $0.isForward && $0.chunk == c }.map(\.microBatch) == Array(0..<m))
                                #expect(ops.filter { !$0.isForward && $0.chunk == c }.map(\.microBatch) == Array(0..<m))
                            }
                        }
                    }
                }
            }
        }
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
