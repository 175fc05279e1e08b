/// Whether gradient buckets are reduced on a communication thread during backward.
public enum OverlapMode: String, Codable, Sendable, CaseIterable {
    /// On when each rank has a spare CPU for the communication thread (its affinity allows more
    /// CPUs than it runs BLAS threads, and the node has more cores than its ranks run BLAS
    /// threads), else off: a communication thread that has to share the rank's core with the
    /// BLAS thread measured slower than the plain path.
    case auto
    case on
    case off

    /// Whether to overlap, for a rank allowed `cpus` CPUs running `blasThreads` BLAS threads
    /// among `ranksPerNode` ranks on a node of `cores` cores.
    public func resolve(cpus: Int, blasThreads: Int, ranksPerNode: Int, cores: Int) -> Bool {
        switch self {
        case .on: return true
        case .off: return false
        case .auto: return cpus > blasThreads && cores > ranksPerNode * blasThreads
        }
    }
}

/// `parallel:` — how gradients are synchronized across the data-parallel ranks.
public struct ParallelConfig: Codable, Equatable, Sendable {
    /// Reduce gradient buckets on a communication thread while backward continues:
    /// `auto` (default), `true` or `false`.
    public var overlap: OverlapMode = .auto
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
        if let flag = try? c.decodeIfPresent(Bool.self, forKey: .overlap) {
            overlap = flag ? .on : .off
        } else {
            overlap = try c.choice(.overlap, or: .auto)
        }
        firstBucketMiB = try c.value(.firstBucketMiB, or: 1)
        bucketMiB = try c.value(.bucketMiB, or: 25)
        guard firstBucketMiB > 0, bucketMiB > 0 else { throw ConfigError("parallel: first_bucket_mib and bucket_mib must be positive") }
    }
}
