import CMPI

/// Allreduce (sum) among the ranks of one node through an MPI-3 shared-memory window, without
/// going through MPI's message transport.
///
/// Every rank owns a segment of `capacity` floats in one shared window. A reduction copies the
/// rank's buffer into its segment, then each rank sums its 1/p chunk across all p segments and
/// writes the result back into every segment's chunk, and finally copies its own segment back:
/// per rank about 3n reads and 2n writes of memory, with no intermediate message buffers.
/// Synchronization between the phases is a barrier on flags in the window itself: each rank
/// publishes a step counter with a release store and waits (spinning briefly, then yielding the
/// core, so oversubscribed ranks still progress) until every other rank's counter reaches it,
/// read with acquire loads. That costs well under a microsecond between two cores, against
/// several for `MPI_Barrier` through OpenMPI's transport, which is what decides small
/// reductions. Same order of additions on every rank (rank 0's segment first), so all ranks get
/// the same bits.
///
/// `tandem bench --comm` measures it against `MPI_Allreduce` (vader) at each size and checks
/// that they agree; README.md's Performance section has the figures and the size up to which
/// training uses it.
public final class SharedMemoryAllreduce: @unchecked Sendable {
    /// The node-local communicator (all ranks must share memory).
    public let node: Communicator
    /// Most floats one call can reduce.
    public let capacity: Int
    private var window: MPI_Win?
    private var segments: [UnsafeMutablePointer<Float>] = []
    /// Each rank's barrier counter, in a cache line of its own at the start of its segment.
    private var flags: [UnsafeMutablePointer<Int64>] = []
    private var epoch: Int64 = 0
    /// Bytes before the floats in each segment (the flag's cache line, padded).
    private static let header = 128

    /// Allocates the window on `node` (from `Communicator.splitShared()`); collective.
    public init(node: Communicator, capacity: Int) throws {
        self.node = node
        self.capacity = max(capacity, 1)
        var base: UnsafeMutableRawPointer?
        var win: MPI_Win?
        let bytes = MPI_Aint(Self.header + self.capacity * MemoryLayout<Float>.stride)
        try mpiCheck(MPI_Win_allocate_shared(bytes, 1, cmpi_info_null(), node.handle, &base, &win),
                     "MPI_Win_allocate_shared")
        window = win
        for r in 0..<node.size {
            var size: MPI_Aint = 0
            var unit: Int32 = 0
            var ptr: UnsafeMutableRawPointer?
            try mpiCheck(MPI_Win_shared_query(win, Int32(r), &size, &unit, &ptr), "MPI_Win_shared_query")
            guard let p = ptr, Int(size) >= Self.header + self.capacity * 4 else {
                throw MPIError(call: "MPI_Win_shared_query", code: -1, message: "rank \(r)'s segment is missing or too small", file: #fileID, line: #line)
            }
            flags.append(p.bindMemory(to: Int64.self, capacity: 1))
            segments.append((p + Self.header).bindMemory(to: Float.self, capacity: self.capacity))
        }
        try mpiCheck(MPI_Win_lock_all(Int32(cmpi_mode_nocheck()), win), "MPI_Win_lock_all")
        cmpi_flag_store(flags[node.rank], 0)
        try node.barrier()
    }

    /// Frees the window (`MPI_Win_free`, collective over `node`). Call it on every rank at the
    /// same point, when the reductions are done; a window still allocated at `MPI_Finalize` is
    /// released with the process. Not done in `deinit`: objects die at different moments on
    /// different ranks (a thread may hold the last reference), and a collective there can hang.
    public func free() throws {
        guard let w = window, MPIRuntime.isInitialized else { return }
        window = nil
        try mpiCheck(MPI_Win_unlock_all(w), "MPI_Win_unlock_all")
        var handle: MPI_Win? = w
        try mpiCheck(MPI_Win_free(&handle), "MPI_Win_free")
    }

    /// In-place sum over the node's ranks of `count` floats at `buffer` (`count <= capacity`).
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
        precondition(count <= capacity, "SharedMemoryAllreduce: \(count) floats exceed the capacity \(capacity)")
        let p = node.size
        if p == 1 || count == 0 { return }
        try node.tracked("shared-memory allreduce of \(count) floats") { try reduce(buffer, count: count) }
    }

    private func reduce(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
        let p = node.size
        let me = segments[node.rank]
        me.update(from: buffer, count: count)
        try fence()
        let chunk = (count + p - 1) / p
        let start = min(count, node.rank * chunk), end = min(count, start + chunk)
        if end > start {
            let n = end - start
            if p == 2 {
                let a = segments[0] + start, b = segments[1] + start
                for i in 0..<n { let v = a[i] + b[i]; a[i] = v; b[i] = v }
            } else {
                // s = seg0 + seg1 + ... in rank order, written back to every segment's chunk.
                let out = segments[0] + start
                for r in 1..<p {
                    let src = segments[r] + start
                    for i in 0..<n { out[i] += src[i] }
                }
                for r in 1..<p { (segments[r] + start).update(from: out, count: n) }
            }
        }
        try fence()
        // Each rank now reads only its own segment, and the next call's first fence keeps anyone
        // from reading a segment before its owner has finished with it, so no third fence.
        buffer.update(from: me, count: count)
    }

    /// Elementwise sum over the node's ranks of a few doubles (a step's loss and signals), added
    /// in node-rank order on every rank. `values.count` must fit the segment (capacity / 2).
    public func allreduceSum(_ values: [Double]) throws -> [Double] {
        let n = values.count
        precondition(2 * n <= capacity, "SharedMemoryAllreduce: \(n) doubles exceed the capacity")
        if node.size == 1 || n == 0 { return values }
        return try node.tracked("shared-memory allreduce of \(n) doubles") {
            let mine = UnsafeMutableRawPointer(segments[node.rank]).bindMemory(to: Double.self, capacity: n)
            values.withUnsafeBufferPointer { v in if let b = v.baseAddress { mine.update(from: b, count: n) } }
            try fence()
            var out = [Double](repeating: 0, count: n)
            for r in 0..<node.size {
                let seg = UnsafeMutableRawPointer(segments[r]).bindMemory(to: Double.self, capacity: n)
                for i in 0..<n { out[i] += seg[i] }
            }
            try fence()
            return out
        }
    }

    /// Copies `count` floats at `buffer` on node rank `root` into `buffer` on every node rank.
    public func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int, root: Int = 0) throws {
        try broadcast(bytes: UnsafeMutableRawPointer(buffer), count: count * MemoryLayout<Float>.stride, root: root)
    }

    /// Copies `count` bytes at `bytes` on node rank `root` into `bytes` on every node rank.
    public func broadcast(bytes: UnsafeMutableRawPointer, count: Int, root: Int = 0) throws {
        precondition(count <= capacity * MemoryLayout<Float>.stride, "SharedMemoryAllreduce: \(count) bytes exceed the capacity")
        if node.size == 1 || count == 0 { return }
        try node.tracked("shared-memory broadcast of \(count) bytes") {
            let segment = UnsafeMutableRawPointer(segments[root])
            if node.rank == root { segment.copyMemory(from: bytes, byteCount: count) }
            try fence()
            if node.rank != root { bytes.copyMemory(from: segment, byteCount: count) }
            // The root may overwrite its segment in the next call only after everyone has read it.
            try fence()
        }
    }

    /// Waits until every rank has reached the same point (the flag barrier described above).
    private func fence() throws {
        guard window != nil else {
            throw MPIError(call: "SharedMemoryAllreduce", code: -1, message: "used after free()", file: #fileID, line: #line)
        }
        epoch += 1
        let target = epoch
        cmpi_flag_store(flags[node.rank], target)
        for r in 0..<flags.count where r != node.rank {
            var spins = 0
            while cmpi_flag_load(flags[r]) < target {
                spins += 1
                if spins < 4096 { cmpi_cpu_relax() } else { cmpi_yield() }
            }
        }
    }
}
