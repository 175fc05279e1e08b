import ArgumentParser
import Foundation
import TandemComm
import TandemSweep
import TandemTrain

/// `tandem sweep SWEEP.yaml`: a hyperparameter sweep under mpirun (rank 0 coordinates, the
/// other ranks train trials in groups of `search.group_size`).
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a hyperparameter sweep (grid, random or ASHA) over groups of MPI ranks.",
        discussion: """
        World rank 0 coordinates; the other ranks split into groups of search.group_size, each training one \
        trial at a time (data parallel inside the group). Every event goes to OUTPUT/sweep.jsonl before it \
        is acted on, so after a crash --resume keeps the ended trials and restarts the running ones from \
        their checkpoints. Results: OUTPUT/results.csv, results.jsonl, best.json and the best model in model/; \
        OUTPUT/optuna.journal holds the sweep in Optuna's journal format (optuna-dashboard OUTPUT/optuna.journal).

          mpirun -np 5 tandem sweep examples/iris-sweep.yaml     # coordinator + 2 groups of 2
        """
    )

    @Argument(help: "Sweep config (.yaml or .json): base, search, output.")
    var config: String

    @Flag(help: "Continue the sweep in the output directory from its journal (sweep.jsonl).")
    var resume = false

    @Flag(help: "Start fresh even if the output directory already holds a sweep (its trials are deleted).")
    var overwrite = false

    @Option(help: "Sweep output directory (overrides output.dir).")
    var output: String?

    @Option(help: ArgumentHelp("Where to write the sweep in Optuna's journal format, for optuna-dashboard (default: OUTPUT/optuna.journal).", valueName: "path"))
    var optunaJournal: String?

    @Option(help: "Console output of the coordinator: auto or lines (one line per event), bar (the whole table redrawn in place).")
    var progress: ProgressStyle = .auto

    @Option(help: "Threads per training rank for matrix products (default: cores per node / ranks per node, at least 1).")
    var threads: Int?

    func validate() throws {
        if overwrite && resume { throw ValidationError("--overwrite and --resume exclude each other") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        // MPI start-up, the group split, every coordinator exchange and MPI_Finalize are under
        // the watchdog, with the base config's train.collective_timeout.
        let base = (try? SweepConfig.load(path: config)).flatMap { try? ConfigLoader.load(path: $0.base) }
        let startup = StartupWatch.begin(timeout: base?.train.collectiveTimeout ?? 600)
        let world: Communicator
        do { world = try MPIRuntime.initialize() } catch { JobFailure.report(error, rank: MPIRuntime.rankHint, run: nil) }
        startup?.leave()
        world.watchdog = startup
        do {
            ProgressStyle.current = progress
            StopSignal.shared.install()
            var sweep = try SweepConfig.load(path: config)
            if let output {
                _ = try OwnedDirectory(validating: output, key: "--output")
                sweep.outputDir = output
            }
            let workers = world.size - 1
            guard workers >= sweep.groupSize, workers % sweep.groupSize == 0 else {
                throw SweepError(.worldDoesNotFit(source: config, world: world.size, groupSize: sweep.groupSize))
            }
            let groups = workers / sweep.groupSize
            let index = world.rank == 0 ? 0 : (world.rank - 1) / sweep.groupSize + 1
            let group = try world.split(color: index, key: world.rank)
            if world.rank == 0 {
                try Coordinator(config: sweep, world: world, groups: groups, resume: resume, overwrite: overwrite, optunaJournal: optunaJournal).run()
            } else {
                ProgressStyle.quiet = true
                let cores = ProcessInfo.processInfo.activeProcessorCount
                let fair = threads ?? max(1, cores / max(1, MPIRuntime.localSizeHint))
                try WorkerGroup(world: world, group: group, index: index, threads: fair).run()
            }
        } catch {
            // Every rank reads the sweep config: let rank 0 report a problem in it, once.
            if world.rank != 0 && error is SweepError { Thread.sleep(forTimeInterval: 2) }
            JobFailure.report(error, rank: world.rank, run: nil)
        }
        StartupWatch.finalize(world)
    }
}
