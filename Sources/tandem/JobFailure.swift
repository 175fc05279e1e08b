import Foundation
import TandemComm
import TandemTensor
import TandemTrain

/// Ends the job after an error on this rank: prints `rank R: error: ...`, records it in the run
/// directory (rank 0), and aborts every rank, so a job never hangs.
///
/// Exit codes follow from the error's `FailureKind`, never from its text: 2 for errors in what
/// the user gave (config, data, a checkpoint that does not fit the config, a diverged loss) that
/// a restart cannot fix; 1 for everything else (MPI, I/O, a damaged checkpoint); 3 from the
/// watchdog. `scripts/tandem-run` restarts on 1 and 3, never on 2.
enum JobFailure {
    static func exitCode(for error: any Error) -> Int32 {
        FailureKind.of(error).exitCode
    }

    static func report(_ error: any Error, rank: Int, run: String?) -> Never {
        let message = "\(error)"
        // When every rank fails the same way (a config value, bad data, a diverged loss), the
        // lowest rank speaks and its MPI_Abort ends the job before the others print: rank r
        // waits a little longer than rank r-1 before printing (an error on one rank alone still
        // prints, later).
        if rank != 0 { Thread.sleep(forTimeInterval: 1 + 0.05 * Double(min(rank, 40))) }
        ConsoleOutput.shared.flush(stall: 1)  // the lines before the error, then the error
        FileHandle.standardError.write(Data("rank \(rank): error: \(message)\n".utf8))
        // Only into a run directory this job claimed: a job that failed before claiming it
        // leaves the previous run there as it was (RunDirectory.recordFailure checks).
        if let run { RunDirectory.recordFailure(in: run, rank: rank, message: message) }
        MPIRuntime.abortJob(code: exitCode(for: error))
    }
}
