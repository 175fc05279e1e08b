/// `parallel:` — how gradients are synchronized across the data-parallel ranks.
public struct ParallelConfig: Codable, Equatable, Sendable {
    /// Reduce gradient buckets on a communication thread while backward continues.
    public var overlap: Bool = true
    /// Size of the first bucket (the last layers' gradients), MiB.
    public var firstBucketMiB: Double = 1
    /// Size of the later buckets, MiB.
    public var bucketMiB: Double = 25

    enum CodingKeys: String, CodingKey, CaseIterable {
        case overlap, firstBucketMiB = "first_bucket_mib", bucketMiB = "bucket_mib"
    }

    init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        overlap = try c.value(.overlap, or: true)
        firstBucketMiB = try c.value(.firstBucketMiB, or: 1)
        bucketMiB = try c.value(.bucketMiB, or: 25)
        guard firstBucketMiB > 0, bucketMiB > 0 else { throw ConfigError("parallel: first_bucket_mib and bucket_mib must be positive") }
    }
}
