import Testing
@testable import TandemParallel

/// Every stage's schedule run together with the real dependencies (`PipelineSimulator`): no
/// layout deadlocks, and the simulated bubble is the schedule's theoretical one.
@Suite struct PipelineSimulatorTests {
    @Test func noScheduleDeadlocks() {
        for l in PipelineLayout.sweep(stages: 1...5, microBatches: 1...12, virtualStages: 1...4) {
            #expect(PipelineSimulator.run(l.kind, stages: l.stages, microBatches: l.microBatches, virtualStages: l.virtualStages) != nil, "\(l)")
        }
    }

    /// The simulator does find a deadlock: a stage that runs backward before the next stage
    /// could have sent it anything.
    @Test func detectsADeadlock() {
        #expect(PipelineSimulator.run(ops: [[.backward(0), .forward(0)], [.forward(0), .backward(0)]], microBatches: 1) == nil)
        // Stage 1 waits for micro-batch 1 first while stage 0 waits for micro-batch 0's gradient.
        #expect(PipelineSimulator.run(ops: [[.forward(0), .backward(0), .forward(1), .backward(1)],
                                            [.forward(1), .backward(1), .forward(0), .backward(0)]], microBatches: 2) == nil)
        #expect(PipelineSimulator.run(ops: [[.forward(0), .forward(1), .backward(0), .backward(1)],
                                            [.forward(0), .backward(0), .forward(1), .backward(1)]], microBatches: 2) != nil)
    }

    @Test func equalStagesMatchTheTheoreticalBubble() throws {
        for p in 2...4 {
            for m in [p, 2 * p, 8, 16] where m % p == 0 {
                for v in 1...3 {
                    // Each chunk holds 1/v of a stage's work: forward 1/v, backward 2/v.
                    let r = try #require(PipelineSimulator.run(.oneFOneB, stages: p, microBatches: m, virtualStages: v,
                                                               forward: { _, _ in 1 / Double(v) }, backward: { _, _ in 2 / Double(v) }))
                    let theory = PipelineSchedule.theoreticalBubble(stages: p, microBatches: m, virtualStages: v)
                    #expect(abs(r.bubble - theory) < 1e-9, "p \(p) m \(m) v \(v): \(r.bubble) vs \(theory)")
                }
            }
        }
    }

    /// Unequal stages: the slower one sets the pace, and the bubble grows past the schedule's.
    @Test func unequalStagesWaitForTheSlowest() throws {
        let r = try #require(PipelineSimulator.run(.oneFOneB, stages: 2, microBatches: 8,
                                                   forward: { s, _ in s == 0 ? 1 : 2 }, backward: { s, _ in s == 0 ? 2 : 4 }))
        #expect(r.busy == [24, 48])
        #expect(r.makespan >= 48 + 3)
        #expect(r.bubble > PipelineSchedule.theoreticalBubble(stages: 2, microBatches: 8))
    }
}
