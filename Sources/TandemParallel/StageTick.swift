import Foundation

/// A thread that does nothing but wake every `interval` while a pipeline stage exchanges its
/// messages through the shared-memory channel (from `Pipeline.connect` to `disconnect`).
///
/// Measured, mechanism not established: beside CPU-bound processes (two `yes` on the 2-core
/// machine, load 4-6) the channel's pp 2 ran at 1,879-2,325 samples/s, and 3,877-4,463 with a
/// thread that only wakes every 1 ms or 50 us (MPI with its progress thread, which wakes every
/// 50 us: 3,361-3,393 in the same rounds). The layers themselves ran about twice as long
/// without it (stage_layer_seconds 5.2-6.8 against 2.9-4.0): the stage kept less of its core
/// against the busy processes. At 1 ms it costs the stage about 1,000 wake-ups a second.
final class StageTick: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    /// Starts the thread.
    init(interval: Duration) {
        let microseconds = useconds_t(max(interval / .microseconds(1), 1))
        let thread = Thread { [self] in
            while !isStopped { usleep(microseconds) }
        }
        thread.name = "tandem-stage-tick"
        thread.start()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Lets the thread end (within one interval; not waited for).
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}
