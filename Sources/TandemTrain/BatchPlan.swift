import TandemTensor

/// Which training rows form each global batch of an epoch, and which of them this rank holds
/// (DESIGN.md decision 2: global-batch semantics).
///
/// Every rank computes the same seeded permutation per epoch; global batch `b` is
/// `permutation[b * batchSize ..< min(n, (b + 1) * batchSize)]` (the last one may be smaller),
/// and data-parallel rank `d` of `p` takes a contiguous slice of it, sizes differing by at most
/// one (the first `count % p` ranks take one more).
public struct BatchPlan: Sendable {
    public let samples: Int
    public let batchSize: Int
    public let seed: UInt64

    public init(samples: Int, batchSize: Int, seed: UInt64) {
        self.samples = samples
        self.batchSize = batchSize
        self.seed = seed
    }

    /// Global batches per epoch.
    public var batchesPerEpoch: Int { (samples + batchSize - 1) / batchSize }

    /// The permutation of training rows for `epoch` (0-based); the same on every rank.
    public func permutation(epoch: Int) -> [Int] {
        var rng = RandomGenerator(seed: RandomGenerator.mix(seed, 0x5348_5546)).split(UInt64(epoch))
        return rng.permutation(samples)
    }

    /// Size of global batch `batch` (0-based).
    public func globalCount(batch: Int) -> Int { min(batchSize, samples - batch * batchSize) }

    /// The slice of a global batch of `count` rows that rank `rank` of `ranks` holds:
    /// positions `start ..< start + length` within the batch.
    public static func slice(count: Int, rank: Int, ranks: Int) -> (start: Int, length: Int) {
        let base = count / ranks, extra = count % ranks
        return (rank * base + min(rank, extra), base + (rank < extra ? 1 : 0))
    }
}
