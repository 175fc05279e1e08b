import ArgumentParser
import Foundation
import TandemComm
import TandemArtifact
import TandemData
import TandemServe
import TandemTrain
import TandemTensor

/// `tandem bench`: throughput on synthetic data; `scripts/bench.sh` runs it at 1 and 2 ranks.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training throughput (samples/s) and sgemm GFLOP/s on synthetic data.",
        discussion: "Prints one JSON object per measurement on rank 0. Run under mpirun for several ranks."
    )

    @Option(help: "Workloads to run: wide (784-1024-1024-10, batch 256), small (64-64-10, batch 32).")
    var workload: [String] = ["wide", "small"]
    @Option(help: "Timed steps per workload (default: 30 for wide, 3000 for small).") var steps: Int?
    @Option(help: "Untimed warm-up steps.") var warmup: Int = 5
    @Option(help: "Threads per rank for matrix products, Tandem's kernel and OpenBLAS (default: cores per node / ranks per node).") var threads: Int?
    @Option(help: "Gradient sync: plain (one MPI_Allreduce after backward), overlap (buckets reduced during backward), or both.")
    var sync: String = "both"
    @Option(help: "Also write a checkpoint (params + Adam moments, fsynced) every this many timed steps, to measure its cost.")
    var checkpointEvery: Int = 0
    @Flag(help: "Measure memory copy GB/s and MPI_Allreduce bus bandwidth at 1, 4 and 25 MiB instead of training.")
    var comm = false
    @Flag(help: "With --comm: only check that the shared-memory allreduce equals MPI_Allreduce (sizes 1, 1023, 2^20+7), no timing.")
    var verifyOnly = false
    @Flag(help: "Measure single-rank sgemm GFLOP/s at the workloads' shapes instead of training.") var sgemm = false
    @Flag(help: "Check the tensor-parallel layers (column, row, gathered) over all ranks against one process, no timing; fails above 1e-5 relative.")
    var verifyParallel = false
    @Option(help: "Measure the CSV parse of this file (Table.load: scanning, typing, numbers; best of 3) in MB/s instead of training; no MPI.")
    var parse: String?
    @Option(help: "Measure the parts of a prediction request for this exported model (JSON parse, encoding, forward pass, response; CPU ns per row) with 1- and 64-row requests of its first example row, instead of training; no MPI.")
    var serve: String?
    @Option(help: "With --serve: the example row as a JSON array in the model's feature order (default: zeros).")
    var serveRow: String?
    @Option(help: "Gradient sum within a node: on (shared-memory window), off (MPI_Allreduce), auto (on unless ranks > cores), or both.")
    var intraNode: String = "auto"

    /// Allreduce sizes measured by --comm: the small workload's gradient (~19 KiB), then up to
    /// the wide workload's (~7 MiB per bucket, 25 MiB whole).
    static let allreduceKiB = [16, 64, 256, 1024, 4096, 25600]
    static func repeats(_ kib: Int) -> Int { kib <= 256 ? 2000 : kib == 25600 ? 10 : 40 }
    /// One JSON line; `seconds` per call derived from the bus bandwidth 2(p-1)/p * bytes / t.
    static func allreduceLine(_ path: String, ranks: Int, kib: Int, busGBps: Double) -> String {
        let bytes = Double(kib << 10)
        let seconds = busGBps > 0 ? 2 * Double(ranks - 1) / Double(ranks) * bytes / (busGBps * 1e9) : 0
        return "{\"measure\": \"allreduce\", \"path\": \"\(path)\", \"ranks\": \(ranks), \"kib\": \(kib), \"mib\": \(Double(kib) / 1024), \"bus_gb_per_s\": \(busGBps), \"microseconds\": \(seconds * 1e6)}"
    }

    func validate() throws {
        guard ["auto", "on", "off", "both"].contains(intraNode) else { throw ValidationError("--intra-node must be auto, on, off or both (got '\(intraNode)')") }
    }

    func run() throws {
        if let parse { return try Self.parseThroughput(parse) }
        if let serve { return try Self.servingParts(serve, row: serveRow) }
        let world: Communicator
        do { world = try MPIRuntime.initialize() } catch { JobFailure.report(error, rank: MPIRuntime.rankHint, run: nil) }
        do {
            let layout = try Layout.make(world: world, requestedThreads: threads)
            let t = layout.blasThreads
            if world.rank == 0, let crowded = layout.crowdedWarning { FileHandle.standardError.write(Data("warning: \(crowded)\n".utf8)) }
            if verifyParallel {
                let worst = try ParallelLayerCheck.run(comm: world)
                if world.rank == 0 {
                    print("{\"measure\": \"tensor-parallel-verify\", \"ranks\": \(world.size), \"max_relative_output_difference\": \(worst.output), \"max_relative_gradient_difference\": \(worst.gradients)}")
                }
                guard max(worst.output, worst.gradients) <= 1e-5 else {
                    throw ValidationError("tensor-parallel layers differ from one process by \(max(worst.output, worst.gradients)) (relative)")
                }
                MPIRuntime.finalize()
                return
            }
            if comm {
                let node = try world.splitShared()
                let shm = node.size == world.size ? try SharedMemoryAllreduce(node: node, capacity: 25 << 18) : nil
                if let shm {
                    let worst = try Benchmark.verifySharedMemoryAllreduce(shm, comm: world, sizes: [1, 1023, (1 << 20) + 7])
                    if world.rank == 0 { print("{\"measure\": \"shm-verify\", \"ranks\": \(world.size), \"max_relative_difference\": \(worst)}") }
                    guard worst <= 1e-6 else { throw ValidationError("shared-memory allreduce differs from MPI_Allreduce by \(worst) (relative)") }
                }
                if verifyOnly { MPIRuntime.finalize(); return }
                let copy = Benchmark.memcpyRate(bytes: 25 << 20, repeats: 20)
                if world.rank == 0 { print("{\"measure\": \"memcpy\", \"bytes\": \(25 << 20), \"gb_per_s\": \(copy)}") }
                for kib in Self.allreduceKiB {
                    let bw = try Benchmark.allreduceBusBandwidth(bytes: kib << 10, repeats: Self.repeats(kib), comm: world) { p, n in
                        try world.allreduceSum(p, count: n)
                    }
                    if world.rank == 0 { print(Self.allreduceLine("mpi", ranks: world.size, kib: kib, busGBps: bw)) }
                }
                if let shm {
                    for kib in Self.allreduceKiB {
                        let bw = try Benchmark.allreduceBusBandwidth(bytes: kib << 10, repeats: Self.repeats(kib), comm: world) { p, n in
                            try shm.allreduceSum(p, count: n)
                        }
                        if world.rank == 0 { print(Self.allreduceLine("shm", ranks: world.size, kib: kib, busGBps: bw)) }
                    }
                }
                MPIRuntime.finalize()
                return
            }
            for name in workload {
                guard let w = Benchmark.Workload.named(name) else { throw ValidationError("unknown workload '\(name)' (wide, small)") }
                if sgemm {
                    // Under several ranks every rank measures at once: the rate per core when all
                    // cores are busy, which bounds data-parallel scaling on this machine.
                    try world.barrier()
                    var local = w
                    local.batch = BatchPlan.slice(count: w.batch, rank: world.rank, ranks: world.size).length
                    let g = Benchmark.sgemmRate(local, repeats: name == "wide" ? 20 : 2000)
                    let slowest = try world.allreduceMax([-g])[0] * -1
                    if world.rank == 0 { print("{\"measure\": \"sgemm\", \"workload\": \"\(name)\", \"ranks\": \(world.size), \"rows_per_rank\": \(local.batch), \"threads\": \(t), \"blas_core\": \"\(BLASCore.name)\", \"gemm\": \"\(GEMMKernel.description)\", \"gflops\": \(slowest)}") }
                } else {
                    let modes = world.size == 1 ? [false] : sync == "both" ? [false, true] : [sync == "overlap"]
                    let node = try world.splitShared()
                    let autoShm = IntraNodeMode.auto.resolve(ranksPerNode: node.size, cores: ProcessInfo.processInfo.activeProcessorCount)
                    let shmModes = world.size == 1 ? [false] : intraNode == "both" ? [false, true] : intraNode == "auto" ? [autoShm] : [intraNode == "on"]
                    for shm in shmModes {
                    for overlap in modes {
                    let dir = checkpointEvery > 0 ? NSTemporaryDirectory() + "tandem-bench-\(getpid())" : nil
                    defer { if let dir { try? FileManager.default.removeItem(atPath: dir) } }
                    let r = try Benchmark.training(w, steps: steps ?? (name == "wide" ? 30 : 3000), warmup: warmup, comm: world,
                                                   checkpointEvery: checkpointEvery, checkpointDirectory: dir, overlap: overlap,
                                                   intraNode: shm)
                    if world.rank == 0 {
                        let p = Double(world.size)
                        let busBW = r.syncSecondsPerStep > 0 ? Double(r.gradientBytes) * 2 * (p - 1) / p / r.syncSecondsPerStep / 1e9 : 0
                        var line = "{\"measure\": \"train\", \"workload\": \"\(name)\", \"ranks\": \(world.size), \"threads\": \(t), \"overlap\": \(overlap), \"intra_node\": \(shm), \"samples_per_second\": \(r.samplesPerSecond), \"step_ms\": \(r.stepSeconds * 1000), \"gflops\": \(r.gflops), \"sync_wait_ms\": \(r.syncSecondsPerStep * 1000), \"sync_bus_gb_per_s\": \(busBW), \"sync_alone_bus_gb_per_s\": \(r.syncAloneBusGBps), \"raw_allreduce_bus_gb_per_s\": \(r.rawAllreduceBusGBps), \"thread_cpu_ms_per_step\": \(r.threadCPUSecondsPerStep * 1000), \"other_cpu_ms_per_step\": \(r.otherCPUSecondsPerStep * 1000)"
                        if r.checkpoints > 0 {
                            line += ", \"checkpoint_every\": \(checkpointEvery), \"checkpoints\": \(r.checkpoints), \"checkpoint_seconds\": \(r.checkpointSeconds / Double(r.checkpoints)), \"checkpoint_mb_per_s\": \(Double(r.checkpointBytes) / r.checkpointSeconds / 1e6), \"snapshot_ms\": \(r.snapshotSeconds * 1000)"
                        }
                        print(line + "}")
                    }
                    }
                    }
                }
            }
        } catch {
            JobFailure.report(error, rank: world.rank, run: nil)
        }
        MPIRuntime.finalize()
    }

    /// `--parse FILE`: seconds and MB/s of `Table.load` on `file` (the file read and parsed into
    /// typed columns), best of 3 runs, as one JSON line.
    /// `--serve`: one JSON line per request size with the CPU ns per row of each part.
    static func servingParts(_ path: String, row: String?) throws {
        BLASThreads.set(1)  // as `tandem serve` runs its forward passes (a second BLAS thread's wait would count here)
        let artifact = try ModelArtifact.load(ModelPath.resolve(path))
        let model = try ServedModel(name: artifact.manifest.name, artifact: artifact, scorer: Serve.driftScorer(artifact.manifest.drift))
        let example = row ?? "[" + Array(repeating: "0", count: artifact.manifest.features.count).joined(separator: ",") + "]"
        for rows in [1, 64] {
            let body = "{\"rows\": [" + Array(repeating: example, count: rows).joined(separator: ",") + "]}"
            _ = try model.measureParts(body: body, iterations: 200)  // warm-up
            let t = try model.measureParts(body: body, iterations: rows == 1 ? 20_000 : 1_000)
            print("{\"measure\": \"serve_parts\", \"rows_per_request\": \(t.rows), \"parse_ns_per_row\": \(Int(t.parse)), \"encode_ns_per_row\": \(Int(t.encode)), \"forward_ns_per_row\": \(Int(t.forward)), \"response_ns_per_row\": \(Int(t.respond)), \"predict_ns_per_row\": \(Int(t.whole))}")
        }
    }

    static func parseThroughput(_ file: String) throws {
        var best = Double.infinity
        var rows = 0
        for _ in 0..<3 {
            let start = ContinuousClock.now
            rows = try Table.load(path: file).rowCount
            best = min(best, start.secondsElapsed)
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        print("{\"measure\": \"csv_parse\", \"csv_bytes\": \(bytes), \"rows\": \(rows), \"seconds\": \(best), \"mb_per_second\": \(Double(bytes) / 1_048_576 / best)}")
    }
}
