import Dispatch
import Foundation
import TandemMetrics
import TandemTensor

/// Writes checkpoints on a background thread so training does not wait for the disk.
///
/// `submit` takes a snapshot (the manifest and copies of the tensors) and returns at once; the
/// write, fsyncs and pruning run on one serial queue, so checkpoints land in order. A failed write
/// is rethrown by the next `submit` or by `wait()`; the previous good checkpoints stay.
final class CheckpointWriter: @unchecked Sendable {
    private let store: CheckpointStore
    private let queue = DispatchQueue(label: "tandem.checkpoint-writer")
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var failure: (any Error)?
    private var stats = (count: 0, seconds: 0.0, bytes: 0)

    init(store: CheckpointStore) { self.store = store }

    /// Queues the checkpoint; `keep`/`bestBy` prune afterwards. Throws an earlier write's error.
    func submit(manifest: CheckpointManifest, tensors: [NamedTensor], keep: Int, bestBy: MetricDirection?) throws {
        try rethrowFailure()
        group.enter()
        queue.async { [store] in
            defer { self.group.leave() }
            let begin = Date()
            do {
                _ = try store.write(manifest: manifest, tensors: tensors)
                store.prune(keep: keep, bestBy: bestBy)
                let bytes = tensors.reduce(0) { $0 + $1.values.count * 4 }
                self.lock.lock()
                self.stats.count += 1
                self.stats.seconds += Date().timeIntervalSince(begin)
                self.stats.bytes += bytes
                self.lock.unlock()
            } catch {
                self.lock.lock()
                if self.failure == nil { self.failure = error }
                self.lock.unlock()
            }
        }
    }

    /// Blocks until every queued checkpoint is on disk; throws the first write error.
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

    private func rethrowFailure() throws {
        lock.lock()
        let f = failure
        lock.unlock()
        if let f { throw f }
    }
}
