import ArgumentParser
import Foundation
import TandemComm
import TandemData
import TandemTrain

/// `tandem prepare CONFIG`: prepares a job's data once (parse, type, split, fit statistics) into
/// a checksummed columnar directory that training, sweeps and later runs map instead of parsing.
struct Prepare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prepare a job's data into a prepared dataset (the cache training uses), or into --output DIR.",
        discussion: """
        Without --output the dataset goes where 'tandem train' looks for it (data.cache: auto puts it under
        .prepared/ next to the run directory). An up-to-date dataset is reused, a changed source or data
        config is prepared again. Under mpirun every rank parses its byte range of a CSV and rank 0 writes the
        dataset (the same bytes as on one rank). Prints the directory.
        """
    )

    @Argument(help: "Job config file (.yaml, .yml or .json).")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value, e.g. --set data.split.seed=3 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(help: "Write the prepared dataset to this directory instead of the cache.")
    var output: String?

    func run() throws {
        let world: Communicator
        do {
            world = try MPIRuntime.initialize()
        } catch {
            JobFailure.report(error, rank: MPIRuntime.rankHint, run: nil)
        }
        do {
            let job = try ConfigLoader.load(path: config, overrides: overrides)
            let table = try PreparedData.prepareDataset(job: job, directory: output, comm: world)
            if world.rank == 0 {
                let m = table.manifest
                print("\(table.directory ?? "")  \(m.rows) rows (\(m.splitRows.map(String.init).joined(separator: "/")) train/validation/test), \(m.columns.count) features")
            }
        } catch {
            JobFailure.report(error, rank: world.rank, run: nil)
        }
        MPIRuntime.finalize()
    }
}
