import ArgumentParser
import Foundation
import TandemReport

/// `tandem runs [DIR]`: a table of the runs under a directory.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the runs under DIR: name, status, task, best validation metric, epochs, wall time, layout.",
        discussion: """
        Status: finished (summary.json), failed (failure.json), stopped (checkpoints but no summary: a signal or \
        --stop-at-step; continue with --resume auto), running/incomplete (none of these yet). Subdirectories that \
        are not runs are skipped; runs whose files cannot be read are reported on standard error.
        """
    )

    @Argument(help: "Directory holding run directories.")
    var directory: String = "runs"

    func run() throws {
        let listing = try RunListing.scan(directory: directory)
        print(listing.table())
        for problem in listing.problems {
            FileHandle.standardError.write(Data("warning: skipped \(problem)\n".utf8))
        }
    }
}
