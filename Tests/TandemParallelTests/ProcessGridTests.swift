import Testing
@testable import TandemParallel

@Suite struct ProcessGridTests {
    @Test func coordinatesFollowTheDesignFormula() throws {
        for (world, tp, pp) in [(8, 2, 2), (6, 3, 1), (6, 1, 3), (12, 2, 3), (1, 1, 1), (4, 1, 2)] {
            let grid = try ProcessGrid(world: world, tensor: tp, pipeline: pp)
            #expect(grid.dp * tp * pp == world)
            var seen = Set<GridCoordinates>()
            for rank in 0..<world {
                let c = grid.coordinates(of: rank)
                #expect(rank == c.tp + tp * (c.dp + grid.dp * c.pp))
                #expect(grid.rank(at: c) == rank)
                #expect(seen.insert(c).inserted)
            }
        }
    }

    @Test func neighboursAndGroups() throws {
        let grid = try ProcessGrid(world: 8, tensor: 2, pipeline: 2)   // dp 2
        // rank 5 = tp 1, dp 0, pp 1
        #expect(grid.coordinates(of: 5) == GridCoordinates(dp: 0, tp: 1, pp: 1))
        #expect(grid.previousStage(of: 5) == 1)
        #expect(grid.nextStage(of: 5) == nil)
        #expect(grid.nextStage(of: 1) == 5)
        #expect(grid.previousStage(of: 1) == nil)
        #expect(grid.tensorParallelGroup(of: 5) == [4, 5])
        #expect(grid.dataParallelGroup(of: 5) == [5, 7])
        #expect(grid.modelGroup(of: 5) == [0, 1, 4, 5])
        let three = try ProcessGrid(world: 3, tensor: 1, pipeline: 3)
        #expect((0..<3).map { three.nextStage(of: $0) } == [1, 2, nil])
        #expect((0..<3).map { three.previousStage(of: $0) } == [nil, 0, 1])
    }

    @Test func worldSizeNotDivisibleNamesSizesThatWork() {
        #expect(throws: ParallelError.self) { try ProcessGrid(world: 6, tensor: 2, pipeline: 2) }
        do {
            _ = try ProcessGrid(world: 6, tensor: 2, pipeline: 2)
        } catch {
            #expect("\(error)".contains("multiple of 4"))
            #expect("\(error)".contains("4, 8, 12"))
        }
        #expect(throws: ParallelError.self) { try ProcessGrid(world: 4, tensor: 0, pipeline: 1) }
    }

    @Test func evenSplitKeepsEveryItem() {
        for total in 0...20 {
            for parts in 1...5 {
                let ranges = (0..<parts).map { EvenSplit.range(total: total, parts: parts, index: $0) }
                #expect(ranges.reduce(0) { $0 + $1.count } == total)
                #expect(ranges.first?.lowerBound == 0)
                for (a, b) in zip(ranges, ranges.dropFirst()) {
                    #expect(a.upperBound == b.lowerBound)
                    #expect(a.count >= b.count && a.count - b.count <= 1)
                }
            }
        }
        #expect(EvenSplit.range(total: 17, parts: 2, index: 0) == 0..<9)
        #expect(EvenSplit.range(total: 17, parts: 2, index: 1) == 9..<17)
    }
}
