import CMPI
import Foundation

/// Process-wide MPI lifetime: initialize once, finalize once before exit.
///
/// MPI may be initialized only once per process; a process started without `mpirun` becomes a
/// world of one (OpenMPI's singleton mode).
public enum MPIRuntime {
    nonisolated(unsafe) private static var world: Communicator?

    /// Whether MPI may be called from more than one thread, one at a time (needed by the
    /// overlapped gradient sync's communication thread).
    nonisolated(unsafe) public private(set) static var serializedThreads = false

    /// This process's rank in `MPI_COMM_WORLD`: the launcher's hint (`rankHint`) until MPI is
    /// initialized, then MPI's own answer. `MPIError` records it.
    nonisolated(unsafe) public private(set) static var worldRank = rankHint

    /// Initializes MPI (once) asking for `MPI_THREAD_SERIALIZED` and returns `MPI_COMM_WORLD`,
    /// set to return error codes instead of aborting so every failure is reported with its call.
    public static func initialize() throws -> Communicator {
        if let w = world { return w }
        // More ranks than cores on this node (e.g. -np 4 on 2 cores with a hostfile that allows
        // it): unless told, OpenMPI busy-polls while waiting and the ranks starve each other
        // (measured: 37 s instead of 1 s for digits on 4 ranks / 2 cores). Ask it to yield.
        if localSizeHint > ProcessInfo.processInfo.activeProcessorCount,
           ProcessInfo.processInfo.environment["OMPI_MCA_mpi_yield_when_idle"] == nil {
            setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0)
        }
        var provided: Int32 = 0
        try mpiCheck(MPI_Init_thread(nil, nil, cmpi_thread_serialized(), &provided), "MPI_Init_thread")
        serializedThreads = provided >= cmpi_thread_serialized()
        try mpiCheck(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
        let w = try Communicator(handle: cmpi_comm_world(), owned: false)
        world = w
        worldRank = w.rank
        return w
    }

    /// True between `initialize()` and `finalize()`.
    public static var isInitialized: Bool {
        var flag: Int32 = 0
        var finalized: Int32 = 0
        MPI_Initialized(&flag)
        MPI_Finalized(&finalized)
        return flag != 0 && finalized == 0
    }

    /// Finalizes MPI if it was initialized; `mpirun` treats a rank that exits without this as failed.
    public static func finalize() {
        if isInitialized { MPI_Finalize() }
        world = nil
    }

    /// Ends the whole job: prints nothing itself, aborts every rank with `code` when running under
    /// several ranks, else finalizes and exits. Never returns.
    public static func abortJob(code: Int32) -> Never {
        if isInitialized, let w = world, w.size > 1 {
            MPI_Abort(cmpi_comm_world(), code)
        }
        finalize()
        exit(code)
    }

    /// Ranks sharing this node, from the launcher's environment, else 1.
    public static var localSizeHint: Int {
        let env = ProcessInfo.processInfo.environment
        return Int(env["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? env["MPI_LOCALNRANKS"] ?? "") ?? 1
    }

    /// This process's world rank from the launcher's environment (before MPI is initialized), else 0.
    public static var rankHint: Int {
        let env = ProcessInfo.processInfo.environment
        return Int(env["OMPI_COMM_WORLD_RANK"] ?? env["PMI_RANK"] ?? "") ?? 0
    }
}
