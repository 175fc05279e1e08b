import Dispatch
import Foundation
import TandemFormats
import TandemMetrics
import TandemTensor

/// Writes checkpoints on a background thread so training does not wait for the disk.
///
/// `submit` takes a snapshot (the manifest, and the tensors copied into a `SafeTensorsImage`)
/// and returns at once. At most one snapshot is being written and at most one waits: a newer
/// snapshot replaces the waiting one (counted in `superseded`), so memory stays bounded when
/// checkpoints come faster than the disk takes them (`checkpoint.every_steps: 1` on a wide model
/// grew to 5.8 GB with an unbounded queue) and the checkpoint written next is always the newest.
/// Writes land in step order. A failed write is rethrown by the next `submit` or by `wait()`;
/// the previous good checkpoints stay.
///
/// Snapshot memory is reused: the image last written is kept and refilled by the next `submit`
/// (a replaced snapshot's image too), so a run holds one image of its checkpoint, two while one
/// is written and another waits. Before, every snapshot allocated fresh arrays on the training
/// thread (page faults on 22 MB for the wide model) and the writer encoded them into a third copy.
final class CheckpointWriter: @unchecked Sendable {
    private struct Job {
        let manifest: CheckpointManifest
        let image: SafeTensorsImage
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
    /// The image last written, refilled by the next snapshot.
    private var spare: SafeTensorsImage?
    private var draining = false
    private var replaced = 0
    private var images = 0

    init(store: CheckpointStore) { self.store = store }

    /// Hands a snapshot of `tensors` to the writer, replacing one still waiting: `fill` copies
    /// the values into the image (on the caller's thread, before `submit` returns; every tensor
    /// of `tensors`, in order). `keep`/`bestBy` prune after it is written. Throws an earlier
    /// write's error, or `fill`'s (nothing is queued then).
    func submit(manifest: CheckpointManifest, tensors: [SafeTensorsImage.Tensor], keep: Int, bestBy: MetricDirection?,
                fill: (SafeTensorsImage) throws -> Void) throws {
        try rethrowFailure()
        lock.lock()
        var image: SafeTensorsImage?
        if let waiting = pending {
            replaced += 1
            image = waiting.image
            pending = nil
        } else {
            image = spare
            spare = nil
        }
        lock.unlock()
        let snapshot: SafeTensorsImage
        if let image, image.holds(tensors, metadata: CheckpointStore.metadata) {
            snapshot = image
        } else {
            snapshot = SafeTensorsImage(tensors: tensors, metadata: CheckpointStore.metadata)
            lock.lock()
            images += 1
            lock.unlock()
        }
        do { try fill(snapshot) } catch {
            lock.lock()
            if spare == nil { spare = snapshot }
            lock.unlock()
            throw error
        }
        lock.lock()
        pending = Job(manifest: manifest, image: snapshot, keep: keep, bestBy: bestBy)
        let start = !draining
        if start {
            draining = true
            group.enter()
        }
        lock.unlock()
        if start { queue.async { self.drain() } }
    }

    /// `submit` with the values already in arrays.
    func submit(manifest: CheckpointManifest, tensors: [NamedTensor], keep: Int, bestBy: MetricDirection?) throws {
        try submit(manifest: manifest, tensors: tensors.map { .init(name: $0.name, shape: $0.shape) }, keep: keep, bestBy: bestBy) { image in
            for (i, t) in tensors.enumerated() {
                let storage = image.values(i)
                t.values.withUnsafeBufferPointer { v in
                    if let source = v.baseAddress, let target = storage.baseAddress { target.update(from: source, count: min(v.count, storage.count)) }
                }
            }
        }
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
            _ = try store.write(manifest: job.manifest, image: job.image)
            store.prune(keep: job.keep, bestBy: job.bestBy)
            lock.lock()
            stats.count += 1
            stats.seconds += begin.secondsElapsed
            stats.bytes += job.image.byteCount
            lock.unlock()
        } catch {
            lock.lock()
            if failure == nil { failure = error }
            lock.unlock()
        }
        lock.lock()
        if spare == nil { spare = job.image }
        lock.unlock()
    }

    /// Blocks until every submitted checkpoint not superseded is on disk; throws the first write error.
    func wait() throws {
        group.wait()
        try rethrowFailure()
    }

    /// Checkpoints written so far: count, seconds spent writing, bytes of their tensor files.
    var written: (count: Int, seconds: Double, bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    /// Snapshot images allocated so far (one per run unless a snapshot waited for a write).
    var imagesAllocated: Int {
        lock.lock()
        defer { lock.unlock() }
        return images
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
