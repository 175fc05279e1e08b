import Testing
import TandemTrain

@Suite struct BatchPlanTests {
    @Test(arguments: [(10, 3, 4, 1), (9, 3, 3, 3), (1, 64, 1, 1), (64, 64, 1, 64), (65, 64, 2, 1), (1_000, 7, 143, 6)])
    func batchesPerEpochCountsTheRemainder(samples: Int, batchSize: Int, batches: Int, lastCount: Int) {
        let plan = BatchPlan(samples: samples, batchSize: batchSize, seed: 1)
        #expect(plan.batchesPerEpoch == batches)
        #expect(plan.globalCount(batch: batches - 1) == lastCount)
        let total = (0..<plan.batchesPerEpoch).map { plan.globalCount(batch: $0) }.reduce(0, +)
        #expect(total == samples, "global batches cover every sample once")
    }

    @Test func noSamplesNoBatches() {
        #expect(BatchPlan(samples: 0, batchSize: 8, seed: 1).batchesPerEpoch == 0)
    }

    @Test(arguments: [1, 2, 17, 150])
    func permutationIsAPermutation(samples: Int) {
        let plan = BatchPlan(samples: samples, batchSize: 4, seed: 42)
        for epoch in 0..<3 {
            #expect(plan.permutation(epoch: epoch).sorted() == Array(0..<samples), "epoch \(epoch)")
        }
    }

    @Test func permutationIsDeterministicPerSeedAndEpoch() {
        let a = BatchPlan(samples: 100, batchSize: 10, seed: 42)
        let b = BatchPlan(samples: 100, batchSize: 32, seed: 42)
        for epoch in 0..<5 {
            #expect(a.permutation(epoch: epoch) == a.permutation(epoch: epoch))
            #expect(a.permutation(epoch: epoch) == b.permutation(epoch: epoch), "batch size does not change the order")
        }
    }

    @Test func permutationDiffersBetweenEpochsAndSeeds() {
        let plan = BatchPlan(samples: 100, batchSize: 10, seed: 42)
        let epochs = (0..<5).map { plan.permutation(epoch: $0) }
        #expect(Set(epochs).count == 5, "each epoch has its own order")
        #expect(epochs[0] != Array(0..<100), "the order is shuffled")
        let other = BatchPlan(samples: 100, batchSize: 10, seed: 43)
        #expect(other.permutation(epoch: 0) != epochs[0])
    }

    @Test(arguments: 0...40, 1...5)
    func sliceCoversTheBatchExactlyOnce(count: Int, ranks: Int) {
        let slices = (0..<ranks).map { BatchPlan.slice(count: count, rank: $0, ranks: ranks) }
        // Contiguous, in rank order, starting at 0 and ending at count.
        var next = 0
        for (rank, s) in slices.enumerated() {
            #expect(s.start == next, "rank \(rank) of \(ranks), count \(count)")
            #expect(s.length >= 0)
            next = s.start + s.length
        }
        #expect(next == count)
        let lengths = slices.map(\.length)
        #expect((lengths.max() ?? 0) - (lengths.min() ?? 0) <= 1)
        // The first count % ranks ranks take the extra row.
        #expect(lengths == (0..<ranks).map { count / ranks + ($0 < count % ranks ? 1 : 0) })
        if count < ranks {
            #expect(lengths.filter { $0 == 0 }.count == ranks - count, "ranks beyond count get empty slices")
        }
    }
}
