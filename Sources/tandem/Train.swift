import ArgumentParser
import Foundation
import TandemComm
import TandemRecord
import TandemTrain

/// `tandem train CONFIG`: one process per rank, started by mpirun.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model from a YAML or JSON job config (run under mpirun for several ranks).",
        discussion: """
        Every rank reads the same config and data; world rank 0 prints progress and writes the run
        directory (config.yaml, metrics.jsonl, summary.json, params.safetensors). An error on any
        rank prints 'rank R: error: ...' and ends the whole job with a non-zero exit.
        """
    )

    @Argument(help: "Job config file (.yaml, .yml or .json), or a run directory: its config.yaml (the resolved config of that run) is used and the run continues there, e.g. `tandem train runs/X --resume auto`.")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value, e.g. --set train.optimizer.lr=0.01 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(help: "Run directory (overrides output.dir).")
    var output: String?

    @Option(help: ArgumentHelp("Continue from a checkpoint: 'auto' takes the newest one under <output>/checkpoints/ that verifies (or starts fresh when there is none); a path demands that checkpoint.", valueName: "auto|PATH"))
    var resume: String?

    @Option(help: "Write a Chrome trace (chrome://tracing, Perfetto) of where each rank's time goes to this file.")
    var timeline: String?

    @Option(help: "Epoch progress: auto (a bar on a terminal, plain lines in logs and under mpirun), bar, or lines.")
    var progress: ProgressStyle = .auto

    @Flag(help: "Start fresh even if the output directory already holds a run (its checkpoints are deleted).")
    var overwrite = false

    @Option(help: "Stop after this many optimizer steps in total, writing a checkpoint, as on SIGTERM (for time-limited job slots; continue with --resume auto).")
    var stopAtStep: Int?

    @Option(help: "Threads per rank for matrix products, Tandem's kernel and OpenBLAS (default: OPENBLAS_NUM_THREADS, else cores per node / ranks per node).")
    var threads: Int?

    @Flag(help: "Print the resolved config (every default filled in, every --set applied) and exit without starting MPI or training (scripts/tandem-run reads parallel.tensor and pipeline from it).")
    var printConfig = false

    func validate() throws {
        if overwrite && resume != nil { throw ValidationError("--overwrite and --resume exclude each other") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if printConfig {
            do {
                let job = try ConfigLoader.load(path: ConfigLoader.configFile(for: config), overrides: overrides)
                FileHandle.standardOutput.write(Data(try ConfigLoader.yaml(job).utf8))
                return
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(JobFailure.exitCode(for: error))
            }
        }
        let startup = StartupWatch.begin(config: config, overrides: overrides)
        let world: Communicator
        do {
            world = try MPIRuntime.initialize()
        } catch {
            JobFailure.report(error, rank: MPIRuntime.rankHint, run: nil)
        }
        startup?.leave()
        world.watchdog = startup
        var runDirectory: String?
        do {
            ProgressStyle.current = progress
            var job = try ConfigLoader.load(path: ConfigLoader.configFile(for: config), overrides: overrides)
            if let output {
                _ = try OwnedDirectory(validating: output, key: "--output")
                job.output.dir = output
            } else if ConfigLoader.isDirectory(config) {
                job.output.dir = config  // a run directory continues in place, wherever it now is
            }
            runDirectory = job.output.dir
            if world.rank == 0, let dir = runDirectory {
                // A watchdog abort is the job's failure too, except at MPI_Finalize, after the results are written.
                Watchdog.onAbort = { what, message in
                    if !what.hasPrefix("MPI_Finalize") { RunDirectory.recordFailure(in: dir, rank: 0, message: message) }
                }
            }
            let request: ResumeRequest = resume.map { $0 == "auto" ? .auto : .path($0) } ?? .none
            let trainer = try Trainer(config: job, comm: world, threads: threads, resume: request, overwrite: overwrite,
                                      recorder: RunFiles(), models: ArtifactModelLoader())
            trainer.stopAtStep = stopAtStep
            if let timeline {
                trainer.timeline = Timeline(rank: world.rank)
                trainer.timelinePath = timeline
            }
            try trainer.train()
        } catch {
            JobFailure.report(error, rank: world.rank, run: world.rank == 0 ? runDirectory : nil)
        }
        StartupWatch.finalize(world)
    }
}

extension ProgressStyle: ExpressibleByArgument {}
