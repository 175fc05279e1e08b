import Testing
import TandemModel
@testable import TandemParallel

@Suite struct StagePlanTests {
    /// Every layer exactly once, in order, on non-empty contiguous stages.
    func checkCovers(_ plan: StagePlan, layers: Int, stages: Int) {
        #expect(plan.stages.count == stages)
        #expect(plan.stages.first?.lowerBound == 0)
        #expect(plan.stages.last?.upperBound == layers)
        for s in plan.stages { #expect(!s.isEmpty) }
        for (a, b) in zip(plan.stages, plan.stages.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        for l in 0..<layers { #expect(plan.stages.filter { $0.contains(l) }.count == 1) }
    }

    @Test func unevenCases() throws {
        for (layers, stages) in [(5, 3), (4, 3), (3, 3), (7, 2), (1, 1), (6, 4)] {
            let plan = try StagePlan(balancing: [Int](repeating: 10, count: layers), stages: stages)
            checkCovers(plan, layers: layers, stages: stages)
            let sizes = plan.stages.map(\.count)
            #expect(sizes.max()! - sizes.min()! <= 1)
        }
    }

    @Test func balancesByCost() throws {
        // 784x1024 dominates: it gets a stage of its own.
        let costs = [784 * 1024, 1024 * 1024, 1024 * 10]
        let plan = try StagePlan(balancing: costs, stages: 2)
        #expect(plan.stages == [0..<1, 1..<3])
        let five = try StagePlan(balancing: [1, 1, 100, 1, 1], stages: 3)
        checkCovers(five, layers: 5, stages: 3)
        #expect(five.stages.contains(2..<3))
    }

    /// The modelled costs: the first dense layer computes no input gradient (2/3 of a layer of
    /// its size), so 784x1024 is cheaper than its parameter count says.
    @Test func modelledCostsAndWhatTheyBalance() throws {
        let wide = NetworkSpec(inputs: 784, hidden: [1024, 1024], outputs: 10)
        #expect(wide.unitCosts == [784 * 1024 * 2 + 16 * 1024, 1024 * 1024 * 3 + 16 * 1024, 1024 * 10 * 3 + 16 * 10])
        let deep = NetworkSpec(inputs: 784, hidden: [1024, 1024, 1024, 1024], outputs: 10)
        #expect(try StagePlan(balancing: deep.unitCosts, stages: 2).stages == [0..<2, 2..<5])
        // A first layer as large as the next costs 2/3 of it.
        let square = NetworkSpec(inputs: 1024, hidden: [1024], outputs: 1024)
        #expect(square.unitCosts[0] * 3 - 16 * 1024 * 3 == (square.unitCosts[1] - 16 * 1024) * 2)
        let resnet = NetworkSpec(inputs: 7, hidden: [], outputs: 2, residual: ResidualShape(blocks: 2, width: 5, hidden: 11))
        #expect(resnet.unitCosts.count == resnet.unitCount)
        #expect(resnet.unitCosts[1] == resnet.unitCosts[2])
    }

    /// Virtual stages: p x v chunks, chunk c on stage c mod p.
    @Test func virtualStagesInterleaveChunks() throws {
        let plan = try StagePlan(balancing: [Int](repeating: 1, count: 5), stages: 2, virtualStages: 2)
        checkCovers(plan, layers: 5, stages: 4)
        #expect(plan.pipeline == 2 && plan.virtualStages == 2)
        #expect(plan.chunks(ofStage: 0) == [plan.stages[0], plan.stages[2]])
        #expect(plan.chunks(ofStage: 1) == [plan.stages[1], plan.stages[3]])
        #expect(plan.stage(of: plan.stages[2].lowerBound) == 0 && plan.stage(of: 4) == 1)
        let explicit = try StagePlan(explicit: [[0], [1], [2, 3], [4]], layers: 5, stages: 2, virtualStages: 2)
        #expect(explicit.chunks(ofStage: 0) == [0..<1, 2..<4])
        let few = ParallelErrorTests.error { _ = try StagePlan(balancing: [1, 1, 1], stages: 2, virtualStages: 2) }
        #expect(few?.reason == .moreChunksThanLayers(pipeline: 2, virtualStages: 2, layers: 3))
        #expect(few?.keyPath == "parallel.virtual_stages")
        #expect(few?.description.contains("4 model chunks but the model has 3 dense layers") == true)
        let lists = ParallelErrorTests.error { _ = try StagePlan(explicit: [[0], [1, 2]], layers: 3, stages: 2, virtualStages: 2) }
        #expect(lists?.reason == .stageCountMismatch(listed: 2, pipeline: 2, virtualStages: 2))
        #expect(lists?.description.contains("needs 4") == true)
    }

    @Test func moreStagesThanLayersIsAnError() {
        #expect(throws: ParallelError.self) { try StagePlan(balancing: [1, 2], stages: 3) }
        do { _ = try StagePlan(balancing: [1, 2], stages: 3) } catch { #expect("\(error)".contains("more stages than the model's 2 dense layers")) }
    }

    @Test func explicitStages() throws {
        let plan = try StagePlan(explicit: [[0, 1], [2, 3]], layers: 4, stages: 2)
        #expect(plan.stages == [0..<2, 2..<4])
        #expect(plan.stage(of: 3) == 1)
        let bad: [([[Int]], String)] = [
            ([[0, 1], [1, 2, 3]], "assigned twice"),
            ([[0], [2, 3]], "layer 1 is not assigned"),
            ([[0, 1], [2]], "layers 3..3 are not assigned"),
            ([[0, 2], [3]], "consecutive"),
            ([[0, 1], []], "no layers"),
            ([[0, 1, 2, 3]], "parallel.pipeline is 2"),
            ([[0, 1], [2, 3, 4]], "has 4 dense layers"),
        ]
        for (lists, message) in bad {
            do {
                _ = try StagePlan(explicit: lists, layers: 4, stages: 2)
                Issue.record("\(lists) was accepted")
            } catch {
                #expect("\(error)".contains(message), "\(lists): \(error)")
            }
        }
    }
}
