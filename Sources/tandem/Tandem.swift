import ArgumentParser

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
        version: TandemVersion.string,
        subcommands: [Train.self, Diff.self, Bench.self]
    )
}

/// The version printed by `tandem --version` and recorded in run outputs.
enum TandemVersion {
    static let string = "0.1.0"
}
