import Foundation
import TandemComm

/// Keeps a pipeline stage's outgoing activation and gradient messages moving while the stage
/// computes. OpenMPI has no asynchronous progress: a large `MPI_Isend` advances only while its
/// process is inside MPI, so without this the next stage would wait until the sender's next MPI
/// call, a micro-batch later. A thread tests the sends in flight every ~50 µs, and keeps polling
/// when this stage has none: any MPI call also drains the fragments of the neighbours' messages
/// arriving here, and without that their sends stall until this stage's next receive (measured:
/// a thread that slept while it had no sends of its own halved pp 2's samples/s and raised the
/// measured bubble from 0.29 to 0.51).
///
/// MPI is initialized SERIALIZED: every MPI call of the stage's thread goes through `locked`,
/// and the stage must make no other MPI calls while this runs (so it is used only without
/// tensor parallelism, whose collectives run inside the layers).
final class SendProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var sends: [PendingSend] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    private(set) var error: (any Error)?

    /// Starts the progress thread.
    init() {
        let thread = Thread { [self] in
            while true {
                lock.lock()
                if stopped { lock.unlock(); break }
                do { sends.removeAll { (try? $0.test()) ?? true } }
                lock.unlock()
                usleep(50)
            }
            done.signal()
        }
        thread.name = "tandem-pipeline-progress"
        thread.start()
    }

    /// Runs `body` (an MPI call of the stage's thread) with the progress thread held off.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Tests `send` from now on, until it completes.
    func track(_ send: PendingSend) { locked { sends.append(send) } }

    /// Stops the thread and waits for it to end.
    func stop() {
        locked { stopped = true }
        done.wait()
    }
}
