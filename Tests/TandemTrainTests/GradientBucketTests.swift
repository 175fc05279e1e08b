import Testing
import TandemModel
@testable import TandemTrain

/// Bucket planning of the gradient sync: contiguous, covering, reverse layer order, sizes.
struct GradientBucketTests {
    /// 64-128-10: layers.0.weight 8192, layers.0.bias 128, layers.1.weight 1280, layers.1.bias 10.
    static let slots = ParameterArena(NetworkSpec(inputs: 64, hidden: [128], outputs: 10).parameterSpecs).slots

    @Test func bucketsCoverTheArenaContiguouslyFromTheEnd() {
        let b = GradientSync.plan(slots: Self.slots, firstBytes: 1 << 20, bytes: 25 << 20)
        #expect(b == [0..<9610])
    }

    @Test func aBiasAloneAndAWeightLargerThanABucket() {
        // First bucket 4 bytes: the last bias (10 floats) closes it alone. Later buckets 1000
        // bytes (250 floats): layers.1.weight (1280) alone, then layers.0.bias + weight.
        let b = GradientSync.plan(slots: Self.slots, firstBytes: 4, bytes: 1000)
        #expect(b == [9600..<9610, 8320..<9600, 0..<8320])
    }

    @Test func defaultSizesOnTheWideModel() {
        let slots = ParameterArena(NetworkSpec(inputs: 784, hidden: [1024, 1024], outputs: 10).parameterSpecs).slots
        let b = GradientSync.plan(slots: slots, firstBytes: 1 << 20, bytes: 25 << 20)
        // The first bucket closes once it reaches 1 MiB (the last layer plus layers.1), the rest
        // (layers.0, 3.2 MB) fits one 25 MiB bucket.
        #expect(b.count == 2)
        #expect(b.first?.upperBound == slots.last.map { $0.offset + $0.count })
        #expect(b.last?.lowerBound == 0)
        #expect(zip(b, b.dropFirst()).allSatisfy { $0.lowerBound == $1.upperBound })
    }

    @Test func autoNeverOverlapsAGradientOfOneBucket() {
        // A spare CPU per rank would allow overlap, but the small model's gradient is one bucket:
        // its reduction cannot start before backward ends, so overlap only adds the hand-off.
        let small = GradientSync.plan(slots: Self.slots, firstBytes: 1 << 20, bytes: 25 << 20).count
        #expect(small == 1)
        #expect(!OverlapMode.auto.resolve(cpus: 4, blasThreads: 1, ranksPerNode: 2, cores: 8, buckets: small))
        #expect(OverlapMode.auto.resolve(cpus: 4, blasThreads: 1, ranksPerNode: 2, cores: 8, buckets: 2))
        #expect(!OverlapMode.auto.resolve(cpus: 1, blasThreads: 1, ranksPerNode: 2, cores: 2, buckets: 2))
        #expect(OverlapMode.on.resolve(cpus: 1, blasThreads: 1, ranksPerNode: 2, cores: 2, buckets: 1))
    }
}
