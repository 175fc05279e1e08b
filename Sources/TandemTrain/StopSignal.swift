import CStopSignal
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Catches SIGTERM, SIGINT and SIGUSR1 (what batch schedulers and `mpirun` send before
/// preemption; `scripts/tandem-run` forwards SIGUSR1) and records the request, so the training
/// loop can agree with the other ranks at the next step, write a checkpoint and exit cleanly.
/// The handler is C (`CStopSignal`): a sigaction handler that sets an atomic flag, because a
/// libdispatch signal source on Linux loses signals delivered to threads other than its own.
public final class StopSignal: Sendable {
    public static let shared = StopSignal()

    /// Starts listening (idempotent).
    public func install() {
        tandem_stop_signal_install()
    }

    /// The first signal received, or nil.
    public var signal: Int32? {
        let sig = tandem_stop_signal_received()
        return sig == 0 ? nil : sig
    }

    /// Under mpirun, where a SIGTERM may have come from: mpirun passes SIGINT and SIGTERM on to
    /// the ranks as SIGTERM (and then exits 1 itself, whatever the ranks do), while SIGUSR1 is
    /// forwarded as it is. Nil otherwise.
    public static func origin(_ sig: Int32) -> String? {
        guard sig == SIGTERM, ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil else { return nil }
        return "mpirun sends SIGTERM for SIGINT or SIGTERM and then exits 1; SIGUSR1 to mpirun (or scripts/tandem-run) stops the same way with exit code 0"
    }

    /// A name for `sig`.
    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGUSR1: return "SIGUSR1"
        default: return "signal \(sig)"
        }
    }
}

/// Test hooks, set through the `TANDEM_FAULT` environment variable, to exercise failure handling
/// on purpose: `sleep:RANK:STEP:SECONDS` makes rank RANK sleep before step STEP (the watchdog
/// test); `kill:RANK:STEP` makes it SIGKILL itself before step STEP; `kill-in-checkpoint:STEP`
/// makes rank 0 die in the middle of writing the checkpoint of step STEP (after the tensors,
/// before the rename). With `TANDEM_FAULT_ONCE=FILE` a fault fires only while FILE does not
/// exist, and creates it (so a restarted job runs clean). Unset in normal use.
struct FaultInjection {
    enum Action { case sleep(Double), kill, killInCheckpoint }
    let rank: Int
    let step: Int
    let action: Action

    static let current: FaultInjection? = {
        guard let spec = ProcessInfo.processInfo.environment["TANDEM_FAULT"] else { return nil }
        let p = spec.split(separator: ":").map(String.init)
        switch p.first {
        case "sleep" where p.count == 4: return Int(p[1]).flatMap { r in Int(p[2]).flatMap { s in Double(p[3]).map { FaultInjection(rank: r, step: s, action: .sleep($0)) } } }
        case "kill" where p.count == 3: return Int(p[1]).flatMap { r in Int(p[2]).map { FaultInjection(rank: r, step: $0, action: .kill) } }
        case "kill-in-checkpoint" where p.count == 2: return Int(p[1]).map { FaultInjection(rank: 0, step: $0, action: .killInCheckpoint) }
        default: return nil
        }
    }()

    /// True (once, when TANDEM_FAULT_ONCE is set) when the fault may fire now.
    private static func arm() -> Bool {
        guard let marker = ProcessInfo.processInfo.environment["TANDEM_FAULT_ONCE"] else { return true }
        if FileManager.default.fileExists(atPath: marker) { return false }
        return FileManager.default.createFile(atPath: marker, contents: Data())
    }

    /// The world rank faults name: the launcher's (under a sweep a trainer's communicator is a
    /// group's, whose ranks restart at 0 in every group), else `rank`.
    static func worldRank(else rank: Int) -> Int {
        let env = ProcessInfo.processInfo.environment
        return Int(env["OMPI_COMM_WORLD_RANK"] ?? env["PMI_RANK"] ?? "") ?? rank
    }

    /// Called before each step on each rank; `rank` is the rank in the training communicator.
    static func beforeStep(_ step: Int, rank: Int) {
        guard let f = current, f.rank == worldRank(else: rank), f.step == step else { return }
        switch f.action {
        case .sleep(let s): if arm() { Thread.sleep(forTimeInterval: s) }
        case .kill: if arm() { kill(getpid(), SIGKILL) }
        case .killInCheckpoint: break
        }
    }

    /// Called before MPI start-up (`at` -1) and before MPI_Finalize (`at` -2):
    /// `sleep:RANK:-1:SECONDS` stops that rank inside the job's start, `-2` at its end.
    static func outsideSteps(at: Int) {
        guard let f = current, f.step == at, f.rank == worldRank(else: -1), case .sleep(let s) = f.action, arm() else { return }
        Thread.sleep(forTimeInterval: s)
    }

    /// Called by the checkpoint writer between writing the tensors and renaming the directory.
    static func inCheckpoint(step: Int) {
        guard let f = current, case .killInCheckpoint = f.action, f.step == step, arm() else { return }
        kill(getpid(), SIGKILL)
    }
}
