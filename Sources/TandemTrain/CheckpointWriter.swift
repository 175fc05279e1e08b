import Dispatch
import Foundation
import TandemFormats
import TandemMetrics
import TandemTensor

/// Writes checkpoints on a background thread so training does not wait for the disk.
///
/// `submit` takes a snapshot (the manifest and copies of the tensors) and returns at once. At most
/// one snapshot is being written and at most one waits: a newer snapshot replaces the waiting one
/// (counted in `superseded`), so memory stays bounded when checkpoints come faster than the disk
/// takes them (`checkpoint.every_steps: 1` on a wide model grew to 5.8 GB with an unbounded queue)
/// and the checkpoint written next is always the newest. Writes land in step order. A failed write
/// is rethrown by the next `submit` or by `wait()`; the previous good checkpoints stay.
final class CheckpointWriter: @unchecked Sendable {
    private struct Job {
        let manifest: CheckpointManifest
        let tensors: [NamedTensor]
        let keep: Int
        let bestBy: MetricDirection?
    }

    private let store: CheckpointStore
    private let queue = DispatchQueue(label: "tandem.checkpoint-writer")
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var failure: (any Error)?
    private var stats = (count: 0, seconds: 0.0, bytes: 0)
    private var pending: Job?
    private var draining = false
    private var replaced = 0

    init(store: CheckpointStore) { self.store = store }

    /// Hands the snapshot to the writer, replacing one still waiting; `keep`/`bestBy` prune after
    /// it is written. Throws an earlier write's error.
    func submit(manifest: CheckpointManifest, tensors: [NamedTensor], keep: Int, bestBy: MetricDirection?) throws {
        try rethrowFailure()
        lock.lock()
        if pending != nil { replaced += 1 }
        pending = Job(manifest: manifest, tensors: tensors, keep: keep, bestBy: bestBy)
        let start = !draining
        if start {
            draining = true
            group.enter()
        }
        lock.unlock()
        if start { queue.async { self.drain() } }
    }

    /// Writes waiting snapshots until none is left.
    private func drain() {
        while true {
            lock.lock()
            guard let job = pending else {
                draining = false
                lock.unlock()
                group.leave()
                return
            }
            pending = nil
            lock.unlock()
            write(job)
        }
    }

    private func write(_ job: Job) {
        let begin = ContinuousClock.now
        do {
            _ = try store.write(manifest: job.manifest, tensors: job.tensors)
            store.prune(keep: job.keep, bestBy: job.bestBy)
            let bytes = job.tensors.reduce(0) { $0 + $1.values.count * 4 }
            lock.lock()
            stats.count += 1
            stats.seconds += begin.secondsElapsed
            stats.bytes += bytes
            lock.unlock()
        } catch {
            lock.lock()
            if failure == nil { failure = error }
            lock.unlock()
        }
    }

    /// Blocks until every submitted checkpoint not superseded is on disk; throws the first write error.
    func wait() throws {
        group.wait()
        try rethrowFailure()
    }

    /// Checkpoints written so far: count, seconds spent writing, tensor bytes.
    var written: (count: Int, seconds: Double, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    /// Snapshots replaced by a newer one before they were written.
    var superseded: Int {
        lock.lock()
        defer { lock.unlock() }
        return replaced
    }

    private func rethrowFailure() throws {
        lock.lock()
        let f = failure
        lock.unlock()
        if let f { throw f }
    }
}
