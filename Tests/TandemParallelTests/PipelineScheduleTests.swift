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
                        let fs = ops.compactMap { if case .forward(let k) = $0 { k } else { nil } }
                        let bs = ops.compactMap { if case .backward(let k) = $0 { k } else { nil } }
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
    }
}
