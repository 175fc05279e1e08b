import Foundation
import TandemComm
import TandemFormats
import TandemMetrics
import TandemOptim
import TandemParallel
import TandemTensor

/// How the job is spread over processes and threads.
public struct Layout: Sendable {
    public var world: Int
    public var dp: Int
    public var tp: Int = 1
    public var pp: Int = 1
    /// Ranks on this node.
    public var ranksPerNode: Int
    /// Threads per rank for matrix products (Tandem's GEMM kernel and OpenBLAS).
    public var blasThreads: Int
    /// CPUs this rank may run on (its affinity mask, e.g. "0" when mpirun bound it to core 0).
    public var cpus: String = ""
    /// How many CPUs that is.
    public var cpuCount: Int = 1
    /// Ranks whose `blasThreads` exceed the CPUs they may run on (each rank's own mask), with
    /// those CPU counts: their threads take turns on fewer cores than they were given.
    public var crowdedRanks: [(rank: Int, cpus: Int)] = []

    /// The start-up warning for `crowdedRanks`, nil when every rank has a CPU per thread.
    public var crowdedWarning: String? {
        guard let first = crowdedRanks.first else { return nil }
        let ranks = crowdedRanks.count == 1 ? "rank \(first.rank) may" : "ranks \(crowdedRanks.map { String($0.rank) }.joined(separator: ", ")) may each"
        let cpus = crowdedRanks.map(\.cpus).max() ?? first.cpus
        return "\(blasThreads) threads per rank for the matrix products, but \(ranks) run on only \(cpus) CPU\(cpus == 1 ? "" : "s"), so the threads take turns: "
            + "give each rank \(blasThreads) cores (mpirun --map-by slot:PE=\(blasThreads), or --bind-to none when the ranks fill the node) or ask for fewer threads (--threads)"
    }

    var json: JSONValue {
        .object([("world", .int(world)), ("dp", .int(dp)), ("tp", .int(tp)), ("pp", .int(pp)),
                 ("ranks_per_node", .int(ranksPerNode)), ("blas_threads", .int(blasThreads)),
                 ("blas_core", .string(BLASCore.name)),
                 ("gemm", .string(GEMMKernel.description)), ("adam_subnormals", .string(AdamKernel.subnormalPath)),
                 ("cpus", .string(cpus))])
    }

    /// The layout for `world`, choosing BLAS threads as `requested`, else `OPENBLAS_NUM_THREADS`
    /// from the environment, else cores on the node / ranks on the node, but never more than
    /// the CPUs the rank is bound to (mpirun binds each rank to one core when ranks <= 2), so
    /// ranks x threads never oversubscribe the cores; applies the choice to OpenBLAS and to the
    /// GEMM kernel's pool (`BLASThreads.set`).
    /// `parallel` gives tp and pp; dp is what remains of the world size.
    public static func make(world: Communicator, requestedThreads: Int?, parallel: ParallelConfig? = nil) throws -> Layout {
        let node = try world.splitShared()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let allowed = Affinity.cpus()
        let env = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap { Int($0) }
        let fair = max(1, min(cores / max(1, node.size), allowed.isEmpty ? cores : allowed.count))
        let threads = max(1, requestedThreads ?? env ?? fair)
        BLASThreads.set(threads)
        let tp = parallel?.tensor ?? 1, pp = parallel?.pipeline ?? 1
        do { _ = try ProcessGrid(world: world.size, tensor: tp, pipeline: pp) } catch let e as ParallelError { throw ConfigError(e.description, keyPath: e.keyPath) }
        let cpuCount = allowed.isEmpty ? cores : allowed.count
        let counts = try world.allgather(UInt64(cpuCount))
        let crowded = counts.enumerated().filter { Int($0.element) < threads }.map { (rank: $0.offset, cpus: Int($0.element)) }
        return Layout(world: world.size, dp: max(1, world.size / max(1, tp * pp)), tp: tp, pp: pp, ranksPerNode: node.size,
                      blasThreads: threads, cpus: Affinity.describe(allowed), cpuCount: cpuCount, crowdedRanks: crowded)
    }
}

/// Start-up agreement checks: every rank must run the same config on the same data with the
/// same parameter layout, and start from the same parameters.
enum Consistency {
    /// Throws naming the ranks whose `fingerprint` (of what `what` describes) differs from rank 0's.
    static func requireSame(_ fingerprint: String, _ what: String, comm: Communicator) throws {
        var h = SHA256()
        h.update(Data(fingerprint.utf8))
        let digest = h.finalize().prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let all = try comm.allgather(digest)
        let differing = all.indices.filter { all[$0] != all[0] }
        if !differing.isEmpty {
            throw TrainingError(.ranksDiffer(what: what, ranks: differing))
        }
    }
}

/// The CPUs this process may run on.
enum Affinity {
    /// CPU numbers in this process's affinity mask, from `Cpus_allowed_list` in
    /// /proc/self/status (empty where that cannot be read).
    static func cpus() -> [Int] {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return [] }
        var out: [Int] = []
        for part in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 1 { out.append(bounds[0]) } else if bounds.count == 2, bounds[0] <= bounds[1] { out += Array(bounds[0]...bounds[1]) }
        }
        return out
    }

    /// "0-3,6" style ranges.
    static func describe(_ cpus: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < cpus.count {
            var j = i
            while j + 1 < cpus.count && cpus[j + 1] == cpus[j] + 1 { j += 1 }
            parts.append(i == j ? "\(cpus[i])" : "\(cpus[i])-\(cpus[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}
