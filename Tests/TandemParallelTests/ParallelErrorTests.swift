import Testing
@testable import TandemParallel

/// Layout errors carry what is wrong and the config key path as data.
@Suite struct ParallelErrorTests {
    static func error(_ body: () throws -> Void) -> ParallelError? {
        do { try body(); return nil } catch { return error as? ParallelError }
    }

    @Test func worldNotDividedByTheGrid() {
        let e = Self.error { _ = try ProcessGrid(world: 6, tensor: 2, pipeline: 2) }
        #expect(e?.reason == .worldNotDivisible(world: 6, tensor: 2, pipeline: 2))
        #expect(e != nil && e?.keyPath == nil)
        #expect(e?.description.contains("must be a multiple of 4 (e.g. 4, 8, 12, 16 ranks)") == true)
    }

    @Test func belowOneNamesItsKey() {
        let e = Self.error { _ = try ProcessGrid(world: 4, tensor: 0, pipeline: 1) }
        #expect(e?.reason == .belowOne(key: "parallel.tensor", got: 0))
        #expect(e?.keyPath == "parallel.tensor")
    }

    @Test func stageListsNameTheStageAndLayer() {
        #expect(Self.error { _ = try StagePlan(explicit: [[0, 1], [1, 2]], layers: 3, stages: 2) }?.reason
                == .outOfOrder(stage: 1, first: 1, expected: 2, layers: 3))
        #expect(Self.error { _ = try StagePlan(explicit: [[0], [1, 3]], layers: 4, stages: 2) }?.reason
                == .notConsecutive(stage: 1, before: 1, after: 3))
        #expect(Self.error { _ = try StagePlan(explicit: [[0], [1, 2]], layers: 2, stages: 2) }?.reason
                == .layerOutOfRange(stage: 1, layer: 2, layers: 2))
        #expect(Self.error { _ = try StagePlan(explicit: [[0], [1]], layers: 3, stages: 2) }?.reason == .unassigned(from: 2, layers: 3))
        let e = Self.error { _ = try StagePlan(explicit: [[0], []], layers: 1, stages: 2) }
        #expect(e?.reason == .emptyStage(stage: 1))
        #expect(e?.keyPath == "parallel.stages")
        #expect(Self.error { _ = try StagePlan(balancing: [1, 2], stages: 3) }?.reason == .moreStagesThanLayers(stages: 3, layers: 2))
    }
}
