import Foundation
import TandemComm
import TandemModel
import TandemTensor

/// Sums the gradient arena (this rank's shard) over the data-parallel replicas, for every
/// layout (DESIGN.md decision 5).
///
/// The arena is cut into buckets: contiguous slices in reverse layer order, about
/// `firstBucketBytes` for the first and `bucketBytes` after (a parameter is never split; one
/// larger than a bucket gets a bucket of its own). With `overlap`, a communication thread reduces
/// each bucket as soon as backward has produced all of its gradients, while backward goes on
/// with the earlier layers; `finish()` waits for the rest. Every rank reduces the same buckets in
/// the same order. Without `overlap`, `finish()` reduces the whole arena in one call (one
/// reduction per step). Overlap needs a training thread that makes no MPI calls during
/// backward (MPI is SERIALIZED): the caller turns it off under tensor and pipeline parallelism
/// and with batch normalization over several replicas (its statistics are allreduced in backward).
///
/// With a `reducer` (`parallel.intra_node`), the ranks of a node reduce through shared memory
/// and only one rank per node joins the allreduce between nodes; otherwise `MPI_Allreduce`.
public final class GradientSync: @unchecked Sendable {
    public let comm: Communicator
    public let arena: ParameterArena
    /// Bucket ranges in launch order (the last layer's bucket first).
    public let buckets: [Range<Int>]
    public let overlap: Bool
    /// The intra-node fast path, when on.
    public let reducer: HierarchicalAllreduce?
    let timeline: Timeline?
    private let lock = NSCondition()
    private var queue: [Int] = []
    private var done = 0
    private var launched = 0
    private var readyFrom = 0
    private var failure: (any Error)?
    private var thread: Thread?
    private var closing = false
    /// Reductions performed since creation, counted where they are made: one per bucket per
    /// step when overlapped, one per step on the plain path, none on one rank.
    public private(set) var reductions = 0
    /// Seconds the training thread spent in `finish()` (the exposed, not hidden, sync time).
    public private(set) var exposedSeconds = 0.0

    public init(comm: Communicator, arena: ParameterArena, overlap: Bool, firstBucketBytes: Int = 1 << 20,
                bucketBytes: Int = 25 << 20, reducer: HierarchicalAllreduce? = nil, timeline: Timeline? = nil) {
        self.comm = comm
        self.reducer = reducer
        self.arena = arena
        self.overlap = overlap && comm.size > 1
        self.timeline = timeline
        buckets = GradientSync.plan(slots: arena.slots, firstBytes: firstBucketBytes, bytes: bucketBytes)
        if self.overlap {
            let t = Thread { [weak self] in self?.serve() }
            t.name = "tandem-gradient-sync"
            t.start()
            thread = t
        }
    }

    /// Bucket ranges for `slots` (contiguous, in arena order): filled from the last slot
    /// backwards, a bucket closes once it holds at least its size in bytes.
    public static func plan(slots: [ParameterSlot], firstBytes: Int, bytes: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var hi = slots.last.map { $0.offset + $0.count } ?? 0
        var lo = hi
        for s in slots.reversed() {
            lo = s.offset
            let limit = (out.isEmpty ? firstBytes : bytes) / 4
            if hi - lo >= limit { out.append(lo..<hi); hi = lo }
        }
        if hi > lo { out.append(lo..<hi) }
        return out
    }

    /// Call before backward.
    public func beginStep() {
        guard overlap else { return }
        lock.lock()
        readyFrom = arena.count
        launched = 0
        done = 0
        lock.unlock()
    }

    /// Backward reports that the gradients in `range` are complete (called last layer first).
    public func parametersReady(_ range: Range<Int>) {
        guard overlap else { return }
        lock.lock()
        readyFrom = min(readyFrom, range.lowerBound)
        while launched < buckets.count && buckets[launched].lowerBound >= readyFrom {
            queue.append(launched)
            launched += 1
        }
        lock.signal()
        lock.unlock()
    }

    /// Completes the reduction of the whole arena: waits for the overlapped buckets, launching any
    /// not yet started, or reduces everything at once on the plain path.
    public func finish() throws {
        guard overlap || comm.size > 1 else { return }  // nothing to sum, nothing exposed: no clock read
        let begin = ContinuousClock.now
        defer { exposedSeconds += begin.secondsElapsed }
        guard overlap else {
            if comm.size > 1 {
                let start = timeline?.now()
                try reduce(arena.grads.base, count: arena.count)
                if let start { timeline?.span("allreduce (all)", "comm", from: start) }
                reductions += 1  // no communication thread on this path: no lock
            }
            return
        }
        parametersReady(0..<0)
        lock.lock()
        defer { lock.unlock() }
        while done < buckets.count && failure == nil { lock.wait() }
        if let failure { throw failure }
    }

    private func reduce(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
        if let reducer { try reducer.allreduceSum(buffer, count: count) } else { try comm.allreduceSum(buffer, count: count) }
    }

    /// Ends the communication thread (after the last step).
    public func close() {
        lock.lock()
        closing = true
        lock.broadcast()
        lock.unlock()
    }

    private func serve() {
        while true {
            lock.lock()
            while queue.isEmpty && !closing { lock.wait() }
            if closing { lock.unlock(); return }
            let b = queue.removeFirst()
            lock.unlock()
            let range = buckets[b]
            let start = timeline?.now()
            do {
                try reduce(arena.grads.base + range.lowerBound, count: range.count)
            } catch {
                lock.lock()
                failure = error
                lock.broadcast()
                lock.unlock()
                return
            }
            if let start { timeline?.span("allreduce bucket \(b) (\(range.count * 4 / 1024) KiB)", "comm", from: start, thread: 1) }
            lock.lock()
            done += 1
            reductions += 1
            lock.broadcast()
            lock.unlock()
        }
    }
}
