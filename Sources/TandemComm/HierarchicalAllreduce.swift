/// Sum-allreduce over a communicator whose ranks share memory in groups (nodes), as Horovod
/// and NCCL do it: the ranks of each node reduce through a shared-memory window
/// (`SharedMemoryAllreduce`), one rank per node (node rank 0, the leader) takes part in the
/// `MPI_Allreduce` between nodes, and the leader's result goes back to its node through the
/// window. On one node that is the window alone; with one rank per node, `MPI_Allreduce` alone.
///
/// Every rank gets the same bits: a node's partial sum is formed in node-rank order on every
/// rank, and the leaders' allreduce gives all leaders the same result, which is then copied.
public final class HierarchicalAllreduce: @unchecked Sendable {
    public let comm: Communicator
    /// The ranks of this node.
    public let node: Communicator
    /// One rank per node (only on node leaders; nil on the others).
    public let leaders: Communicator?
    /// Number of nodes.
    public let nodes: Int
    private let shared: SharedMemoryAllreduce?
    /// Reductions of more floats than this go to `MPI_Allreduce` over `comm` directly.
    public let windowLimit: Int
    /// Default `windowLimit`: 4 MiB of floats. Measured on the 2-core development machine
    /// (`tandem bench --comm`, 2 ranks), the window took 1.0 / 2.8 / 9.8 / 57 / 248 µs at
    /// 16 KiB / 64 KiB / 256 KiB / 1 MiB / 4 MiB against 2.5 / 4.3 / 13.6 / 60 / 259 µs for
    /// `MPI_Allreduce`, but 5.9 ms against 3.6 ms at 25 MiB, where vader's pipelined copies win.
    public static let defaultWindowLimit = 1 << 20

    /// Collective over `comm`: finds the nodes and allocates a window of
    /// `min(capacity, windowLimit)` floats per rank.
    public init(comm: Communicator, capacity: Int, windowLimit: Int = HierarchicalAllreduce.defaultWindowLimit) throws {
        self.windowLimit = windowLimit
        self.comm = comm
        node = try comm.splitShared()
        let isLeader = node.rank == 0
        let split = try comm.split(color: isLeader ? 0 : 1, key: comm.rank)
        leaders = isLeader ? split : nil
        nodes = Int(try comm.allreduceSum([isLeader ? 1 : 0])[0])
        shared = node.size > 1 ? try SharedMemoryAllreduce(node: node, capacity: max(16, min(capacity, windowLimit))) : nil
    }

    /// In-place sum over all ranks of `comm` of `count` floats at `buffer`.
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
        if comm.size == 1 || count == 0 { return }
        guard count <= windowLimit else { return try comm.allreduceSum(buffer, count: count) }
        try shared?.allreduceSum(buffer, count: count)
        if nodes > 1 {
            if let leaders { try leaders.allreduceSum(buffer, count: count) }
            try shared?.broadcast(buffer, count: count)
        }
    }

    /// Elementwise sum over all ranks of a few doubles (a step's loss and signals).
    public func allreduceSum(_ values: [Double]) throws -> [Double] {
        if comm.size == 1 || values.isEmpty { return values }
        var out = try shared?.allreduceSum(values) ?? values
        if nodes > 1 {
            if let leaders { out = try leaders.allreduceSum(out) }
            try out.withUnsafeMutableBytes { b in if let p = b.baseAddress { try shared?.broadcast(bytes: p, count: b.count) } }
        }
        return out
    }

    /// Frees the shared-memory window (collective over `comm`; see `SharedMemoryAllreduce.free`).
    public func free() throws { try shared?.free() }

    /// The training step reported to the watchdog (as `comm.step`).
    public var step: Int {
        get { node.step }
        set { node.step = newValue; leaders?.step = newValue }
    }

    /// Watchdog for the window's barriers and the leaders' allreduce (as `comm.watchdog`).
    public var watchdog: Watchdog? {
        get { node.watchdog }
        set { node.watchdog = newValue; leaders?.watchdog = newValue }
    }
}
