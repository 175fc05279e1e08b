import Foundation
import TandemComm
import TandemMetrics
import TandemTensor

/// How the job is spread over processes and threads.
public struct Layout: Sendable {
    public var world: Int
    public var dp: Int
    public var tp: Int = 1
    public var pp: Int = 1
    /// Ranks on this node.
    public var ranksPerNode: Int
    /// OpenBLAS threads per rank.
    public var blasThreads: Int

    var json: JSONValue {
        .object([("world", .int(world)), ("dp", .int(dp)), ("tp", .int(tp)), ("pp", .int(pp)),
                 ("ranks_per_node", .int(ranksPerNode)), ("blas_threads", .int(blasThreads))])
    }

    /// The layout for `world`, choosing BLAS threads as `requested`, else `OPENBLAS_NUM_THREADS`
    /// from the environment, else cores on the node / ranks on the node (so ranks x threads never
    /// oversubscribe the cores), and applying the choice to OpenBLAS.
    public static func make(world: Communicator, requestedThreads: Int?) throws -> Layout {
        let node = try world.splitShared()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let env = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap { Int($0) }
        let threads = max(1, requestedThreads ?? env ?? max(1, cores / max(1, node.size)))
        BLASThreads.set(threads)
        return Layout(world: world.size, dp: world.size, ranksPerNode: node.size, blasThreads: threads)
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
            throw TrainingError("\(what) on rank\(differing.count > 1 ? "s" : "") \(differing.map(String.init).joined(separator: ", ")) differs from rank 0's; every rank must see the same config file, --set overrides, data file and binary")
        }
    }
}
