import Foundation
import TandemComm
import TandemTrain

/// Ends the job after an error on this rank: prints `rank R: error: ...`, records it in the run
/// directory (rank 0), and aborts every rank with exit code 1, so a job never hangs.
enum JobFailure {
    static func report(_ error: any Error, rank: Int, run: String?) -> Never {
        let message = "\(error)"
        FileHandle.standardError.write(Data("rank \(rank): error: \(message)\n".utf8))
        if let run, FileManager.default.fileExists(atPath: run) {
            let obj = "{\"status\": \"failed\", \"rank\": \(rank), \"error\": \(jsonQuoted(message))}\n"
            try? Data(obj.utf8).write(to: URL(fileURLWithPath: run).appendingPathComponent("failure.json"), options: .atomic)
        }
        // When every rank fails the same way (bad data, diverged loss), let rank 0 speak and
        // record the failure first; then any rank's MPI_Abort ends the job.
        if rank != 0 { Thread.sleep(forTimeInterval: 1) }
        MPIRuntime.abortJob(code: 1)
    }

    private static func jsonQuoted(_ s: String) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: [s]), let text = String(data: data, encoding: .utf8) else { return "\"\"" }
        return String(text.dropFirst().dropLast())
    }
}
