import Foundation
import TandemTensor

/// Turns a collective that never completes (a dead or stuck peer) into a loud job abort.
///
/// The training thread marks each collective with `enter`/`leave`; a plain background thread
/// checks once a second, and when one has been pending longer than `timeout` it prints
/// `rank R: error: watchdog: ...` with the collective and step, and ends this process with exit
/// code 3, which makes `mpirun` abort the whole job (and `scripts/tandem-run` restart it).
public final class Watchdog: @unchecked Sendable {
    /// Called on the watchdog's thread just before it ends the process, with the stuck operation
    /// and the message printed (the CLI records it as the run's failure on rank 0). Set once, at start.
    nonisolated(unsafe) public static var onAbort: (@Sendable (_ what: String, _ message: String) -> Void)?

    private let lock = NSLock()
    private var pending: (what: String, step: Int, since: ContinuousClock.Instant)?
    private let timeout: TimeInterval
    private let rank: Int
    private var thread: Thread?

    /// A watchdog for `rank`; `timeout <= 0` disables it.
    public init(timeout: TimeInterval, rank: Int) {
        self.timeout = timeout
        self.rank = rank
        guard timeout > 0 else { return }
        let t = Thread { [weak self] in
            while let self {
                Thread.sleep(forTimeInterval: min(1, self.timeout / 4))
                self.check()
            }
        }
        t.name = "tandem-watchdog"
        t.start()
        thread = t
    }

    /// Marks the start of collective `what` at training step `step`.
    public func enter(_ what: String, step: Int) {
        guard timeout > 0 else { return }
        lock.lock()
        pending = (what, step, ContinuousClock.now)
        lock.unlock()
    }

    /// Marks the end of the pending collective.
    public func leave() {
        guard timeout > 0 else { return }
        lock.lock()
        pending = nil
        lock.unlock()
    }

    private func check() {
        lock.lock()
        let p = pending
        lock.unlock()
        guard let p, p.since.secondsElapsed > timeout else { return }
        let message = "rank \(rank): error: watchdog: \(p.what) has not completed after \(Int(timeout)) s at step \(p.step); another rank is stuck or dead. Aborting the job (train.collective_timeout sets the limit).\n"
        FileHandle.standardError.write(Data(message.utf8))
        Watchdog.onAbort?(p.what, String(message.dropFirst("rank \(rank): error: ".count).dropLast()))
        _exit(3)
    }
}
