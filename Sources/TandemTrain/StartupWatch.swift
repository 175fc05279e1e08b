import Foundation
import TandemComm

/// The watchdog over a job's start and end, where no training step is running: MPI start-up
/// (MPI_Init waits for every rank), the communicator splits before training, and MPI_Finalize.
/// A rank stopped inside start-up hung the job past 90 s with `collective_timeout: 5`, and one
/// stopped after rank 0 wrote summary.json left mpirun waiting forever.
public enum StartupWatch {
    /// Under mpirun with more than one rank: a watchdog with the config's
    /// `train.collective_timeout` (600 s when the config cannot be read yet; its error comes later),
    /// already watching "MPI start-up". Nil for a single process.
    public static func begin(config path: String, overrides: [String]) -> Watchdog? {
        begin(timeout: (try? ConfigLoader.load(path: path, overrides: overrides))?.train.collectiveTimeout ?? 600)
    }

    /// Under mpirun with more than one rank: a watchdog with `timeout` seconds, already watching
    /// "MPI start-up" (a sweep passes its base config's `train.collective_timeout`). Nil for a
    /// single process.
    public static func begin(timeout: TimeInterval) -> Watchdog? {
        let env = ProcessInfo.processInfo.environment
        guard let size = Int(env["OMPI_COMM_WORLD_SIZE"] ?? env["PMI_SIZE"] ?? ""), size > 1 else { return nil }
        let watchdog = Watchdog(timeout: timeout, rank: MPIRuntime.rankHint)
        watchdog.enter("MPI start-up (MPI_Init)", step: 0)
        FaultInjection.outsideSteps(at: -1)
        return watchdog
    }

    /// Runs MPI_Finalize under `world`'s watchdog, so a peer that never arrives ends the job.
    public static func finalize(_ world: Communicator) {
        FaultInjection.outsideSteps(at: -2)
        world.watchdog?.enter("MPI_Finalize (the job's end; its results are written)", step: world.step)
        MPIRuntime.finalize()
        world.watchdog?.leave()
    }
}
