import CMPI

/// An MPI communicator with the collectives Tandem uses, each checked with `mpiCheck`.
///
/// Collectives must be called by every rank of the communicator in the same order.
/// Not thread-safe: call from one thread at a time (MPI is initialized SERIALIZED).
public final class Communicator: @unchecked Sendable {
    /// The underlying MPI handle.
    public let handle: MPI_Comm
    /// This process's rank in the communicator.
    public let rank: Int
    /// Number of ranks.
    public let size: Int
    private let owned: Bool
    /// When set, every collective is reported to it, so a collective that never completes
    /// aborts the job instead of hanging it.
    public var watchdog: Watchdog?
    /// The training step reported to the watchdog with each collective.
    public var step = 0

    init(handle: MPI_Comm, owned: Bool) throws {
        self.handle = handle
        self.owned = owned
        var r: Int32 = 0
        var s: Int32 = 0
        try mpiCheck(MPI_Comm_rank(handle, &r), "MPI_Comm_rank")
        try mpiCheck(MPI_Comm_size(handle, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    deinit {
        if owned, MPIRuntime.isInitialized {
            var h: MPI_Comm? = handle
            MPI_Comm_free(&h)
        }
    }

    /// In-place elementwise sum over all ranks of `count` floats at `buffer`.
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
        if size == 1 || count == 0 { return }
        try tracked("MPI_Allreduce of \(count) floats") { try mpiCheck(MPI_Allreduce(cmpi_in_place(), buffer, Int32(count), cmpi_float(), cmpi_op_sum(), handle), "MPI_Allreduce") }
    }

    /// In-place elementwise sum over all ranks of `count` doubles at `buffer` (no allocation).
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int) throws {
        if size == 1 || count == 0 { return }
        try tracked("MPI_Allreduce of doubles") { try mpiCheck(MPI_Allreduce(cmpi_in_place(), buffer, Int32(count), cmpi_double(), cmpi_op_sum(), handle), "MPI_Allreduce") }
    }

    /// Elementwise sum over all ranks of `values`.
    public func allreduceSum(_ values: [Double]) throws -> [Double] { try allreduce(values, op: cmpi_op_sum()) }

    /// Elementwise maximum over all ranks of `values`.
    public func allreduceMax(_ values: [Double]) throws -> [Double] { try allreduce(values, op: cmpi_op_max()) }

    private func allreduce(_ values: [Double], op: MPI_Op) throws -> [Double] {
        if size == 1 || values.isEmpty { return values }
        var v = values
        try tracked("MPI_Allreduce of \(values.count) doubles") {
            try v.withUnsafeMutableBufferPointer { p in
                try mpiCheck(MPI_Allreduce(cmpi_in_place(), p.baseAddress, Int32(p.count), cmpi_double(), op, handle), "MPI_Allreduce")
            }
        }
        return v
    }

    /// Broadcasts `count` floats at `buffer` from `root`.
    public func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, root: Int = 0) throws {
        if size == 1 || count == 0 { return }
        try tracked("MPI_Bcast") { try mpiCheck(MPI_Bcast(buffer, Int32(count), cmpi_float(), Int32(root), handle), "MPI_Bcast") }
    }

    /// Broadcasts a byte string of any length from `root`; returns it on every rank.
    public func broadcast(bytes: [UInt8], root: Int = 0) throws -> [UInt8] {
        if size == 1 { return bytes }
        var n = [Int64(bytes.count)]
        try tracked("MPI_Bcast") { try mpiCheck(MPI_Bcast(&n, 1, cmpi_int64(), Int32(root), handle), "MPI_Bcast") }
        var out = rank == root ? bytes : [UInt8](repeating: 0, count: Int(n[0]))
        if n[0] > 0 {
            guard n[0] <= Int64(Int32.max) else { throw MPIError(call: "MPI_Bcast", code: -1, message: "\(n[0]) bytes exceed the 2 GiB limit of one broadcast", file: #fileID, line: #line) }
            try tracked("MPI_Bcast") {
                try out.withUnsafeMutableBufferPointer { p in
                    try mpiCheck(MPI_Bcast(p.baseAddress, Int32(p.count), cmpi_uint8(), Int32(root), handle), "MPI_Bcast")
                }
            }
        }
        return out
    }

    /// Gathers one 64-bit value from every rank, in rank order, on every rank.
    public func allgather(_ value: UInt64) throws -> [UInt64] {
        if size == 1 { return [value] }
        var send = Int64(bitPattern: value)
        var recv = [Int64](repeating: 0, count: size)
        try tracked("MPI_Allgather") {
            try recv.withUnsafeMutableBufferPointer { p in
                try mpiCheck(MPI_Allgather(&send, 1, cmpi_int64(), p.baseAddress, 1, cmpi_int64(), handle), "MPI_Allgather")
            }
        }
        return recv.map { UInt64(bitPattern: $0) }
    }

    /// Concatenates every rank's `values` in rank order, on every rank (counts may differ).
    public func allgatherv(_ values: [Float]) throws -> [Float] {
        if size == 1 { return values }
        let counts = try allgather(UInt64(values.count)).map { Int32($0) }
        var displs = [Int32](repeating: 0, count: size)
        for i in 1..<size { displs[i] = displs[i - 1] + counts[i - 1] }
        let total = Int(counts.reduce(0, +))
        var out = [Float](repeating: 0, count: total)
        try tracked("MPI_Allgatherv") { try values.withUnsafeBufferPointer { send in
            try out.withUnsafeMutableBufferPointer { recv in
                try mpiCheck(MPI_Allgatherv(send.baseAddress, Int32(send.count), cmpi_float(),
                                            recv.baseAddress, counts, displs, cmpi_float(), handle), "MPI_Allgatherv")
            }
        } }
        return out
    }

    /// Gathers every rank's bytes to rank 0 (in rank order); other ranks get an empty list.
    public func gather(bytes: [UInt8]) throws -> [[UInt8]] {
        if size == 1 { return [bytes] }
        let counts = try allgather(UInt64(bytes.count)).map { Int32($0) }
        var displs = [Int32](repeating: 0, count: size)
        for i in 1..<size { displs[i] = displs[i - 1] + counts[i - 1] }
        var out = [UInt8](repeating: 0, count: rank == 0 ? Int(counts.reduce(0, +)) : 0)
        try tracked("MPI_Gatherv") {
            try bytes.withUnsafeBufferPointer { send in
                try out.withUnsafeMutableBufferPointer { recv in
                    try mpiCheck(MPI_Gatherv(send.baseAddress, Int32(send.count), cmpi_uint8(), recv.baseAddress, counts, displs,
                                             cmpi_uint8(), 0, handle), "MPI_Gatherv")
                }
            }
        }
        guard rank == 0 else { return [] }
        return (0..<size).map { Array(out[Int(displs[$0])..<Int(displs[$0] + counts[$0])]) }
    }

    /// Blocks until every rank has called it.
    public func barrier() throws {
        if size == 1 { return }
        try tracked("MPI_Barrier") { try mpiCheck(MPI_Barrier(handle), "MPI_Barrier") }
    }

    func tracked<T>(_ what: String, _ body: () throws -> T) throws -> T {
        guard let watchdog else { return try body() }
        watchdog.enter(what, step: step)
        defer { watchdog.leave() }
        return try body()
    }

    /// Splits into sub-communicators by `color`, ordered by `key` (MPI_Comm_split).
    public func split(color: Int, key: Int) throws -> Communicator {
        var out: MPI_Comm?
        try tracked("MPI_Comm_split") { try mpiCheck(MPI_Comm_split(handle, Int32(color), Int32(key), &out), "MPI_Comm_split") }
        guard let h = out else { throw MPIError(call: "MPI_Comm_split", code: -1, message: "returned no communicator", file: #fileID, line: #line) }
        return try Communicator(handle: h, owned: true)
    }

    /// The ranks that share this node's memory (MPI_Comm_split_type with MPI_COMM_TYPE_SHARED).
    public func splitShared() throws -> Communicator {
        var out: MPI_Comm?
        try tracked("MPI_Comm_split_type") { try mpiCheck(MPI_Comm_split_type(handle, cmpi_comm_type_shared(), Int32(rank), cmpi_info_null(), &out), "MPI_Comm_split_type") }
        guard let h = out else { throw MPIError(call: "MPI_Comm_split_type", code: -1, message: "returned no communicator", file: #fileID, line: #line) }
        return try Communicator(handle: h, owned: true)
    }
}
