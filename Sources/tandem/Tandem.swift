import ArgumentParser
import TandemTrain

/// The `tandem` command line.
@main
struct Tandem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Distributed training of dense models over MPI.",
        discussion: """
        Launch training with mpirun, one process per rank:
          mpirun -np 4 tandem train examples/digits.yaml
        """,
        version: TandemInfo.version,
        subcommands: [Train.self, Prepare.self, Sweep.self, Inspect.self, Export.self, Predict.self, Evaluate.self, Compare.self, Drift.self, Serve.self, Diff.self, Bench.self, Report.self, Runs.self]
    )
}
