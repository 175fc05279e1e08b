import TandemParallel

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
    /// among `ranksPerNode` ranks on a node of `cores` cores, whose gradient is cut into
    /// `buckets` buckets. `auto` never overlaps a gradient of one bucket: its reduction can only
    /// start once backward is done, so the thread hand-off is all that changes (measured: it
    /// halved the small model's samples/s on 2 ranks).
    public func resolve(cpus: Int, blasThreads: Int, ranksPerNode: Int, cores: Int, buckets: Int) -> Bool {
        switch self {
        case .on: return true
        case .off: return false
        case .auto: return buckets > 1 && cpus > blasThreads && cores > ranksPerNode * blasThreads
        }
    }
}

/// Whether gradients are summed through shared memory within each node (and `MPI_Allreduce`
/// only between one rank per node).
public enum IntraNodeMode: String, Codable, Sendable, CaseIterable {
    /// On unless a node runs more ranks than it has cores: the window's barrier spins briefly
    /// while it waits, which costs an oversubscribed core more than MPI's blocking wait.
    case auto
    case on
    case off

    /// Whether to use the shared-memory path with `ranksPerNode` ranks on a node of `cores` cores.
    public func resolve(ranksPerNode: Int, cores: Int) -> Bool {
        switch self {
        case .on: return true
        case .off: return false
        case .auto: return ranksPerNode <= cores
        }
    }
}

/// `parallel:` — how the model is split across ranks (tensor and pipeline parallelism; data
/// parallelism takes the remaining factor of the world size) and how gradients are synchronized
/// across the data-parallel ranks.
public struct ParallelConfig: Codable, Equatable, Sendable {
    /// Tensor-parallel ranks per layer (1 = off).
    public var tensor = 1
    /// Pipeline stages (1 = off).
    public var pipeline = 1
    /// Micro-batches each data-parallel rank's share of the global batch is split into.
    public var microBatches = 1
    /// Pipeline schedule: `1f1b` (default) or `gpipe`.
    public var schedule: PipelineScheduleKind = .oneFOneB
    /// Model chunks per pipeline stage (interleaved 1F1B when above 1).
    public var virtualStages = 1
    /// Explicit dense-layer indices per stage, or per chunk with virtual stages (default:
    /// balanced by the modelled cost, `NetworkSpec.unitCosts`).
    public var stages: [[Int]]?
    /// Reduce gradient buckets on a communication thread while backward continues:
    /// `auto` (default), `true` or `false`.
    public var overlap: OverlapMode = .auto
    /// Sum gradients through shared memory within each node: `auto` (default), `true` or `false`.
    public var intraNode: IntraNodeMode = .auto
    /// Size of the first bucket (the last layers' gradients), MiB.
    public var firstBucketMiB: Double = 1
    /// Size of the later buckets, MiB.
    public var bucketMiB: Double = 25

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tensor, pipeline, microBatches = "micro_batches", schedule, stages, virtualStages = "virtual_stages"
        case overlap, intraNode = "intra_node", firstBucketMiB = "first_bucket_mib", bucketMiB = "bucket_mib"
    }

    /// Whether the model itself is split (tensor or pipeline parallelism).
    public var splitsModel: Bool { tensor > 1 || pipeline > 1 }

    init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let flag = try? c.decodeIfPresent(Bool.self, forKey: .overlap) {
            overlap = flag ? .on : .off
        } else {
            overlap = try c.choice(.overlap, or: .auto)
        }
        tensor = try c.value(.tensor, or: 1)
        pipeline = try c.value(.pipeline, or: 1)
        microBatches = try c.value(.microBatches, or: 1)
        schedule = try c.choice(.schedule, or: .oneFOneB)
        stages = try c.decodeIfPresent([[Int]].self, forKey: .stages)
        virtualStages = try c.value(.virtualStages, or: 1)
        guard tensor >= 1 else { throw ConfigError("parallel.tensor: \(tensor) must be at least 1", keyPath: "parallel.tensor") }
        guard pipeline >= 1 else { throw ConfigError("parallel.pipeline: \(pipeline) must be at least 1", keyPath: "parallel.pipeline") }
        guard microBatches >= 1 else { throw ConfigError("parallel.micro_batches: \(microBatches) must be at least 1", keyPath: "parallel.micro_batches") }
        if stages != nil && pipeline == 1 && (stages?.count ?? 0) > 1 {
            throw ConfigError("parallel.stages lists \(stages?.count ?? 0) stages but parallel.pipeline is 1; set parallel.pipeline to the number of stages", keyPath: "parallel.stages")
        }
        if let flag = try? c.decodeIfPresent(Bool.self, forKey: .intraNode) {
            intraNode = flag ? .on : .off
        } else {
            intraNode = try c.choice(.intraNode, or: .auto)
        }
        firstBucketMiB = try c.value(.firstBucketMiB, or: 1)
        bucketMiB = try c.value(.bucketMiB, or: 25)
        guard firstBucketMiB > 0, bucketMiB > 0 else { throw ConfigError("parallel: first_bucket_mib and bucket_mib must be positive", keyPath: "parallel") }
        try ConfigRange.check(firstBucketMiB, "parallel.first_bucket_mib", above: 0, upTo: ConfigRange.maxBucketMiB)
        try ConfigRange.check(bucketMiB, "parallel.bucket_mib", above: 0, upTo: ConfigRange.maxBucketMiB)
        try ConfigRange.check(tensor, "parallel.tensor", 1...ConfigRange.maxParallel)
        try ConfigRange.check(pipeline, "parallel.pipeline", 1...ConfigRange.maxParallel)
        try ConfigRange.check(virtualStages, "parallel.virtual_stages", 1...ConfigRange.maxParallel)
        try ConfigRange.check(microBatches, "parallel.micro_batches", 1...ConfigRange.maxBatch)
    }
}
