import Foundation
import TandemMetrics

/// The Slurm job a run belongs to, read from the variables `sbatch`/`srun` set (and OpenMPI's
/// `mpirun` passes on to the ranks): recorded in `summary.json` and the first log line, so a
/// run can be traced back to its job and a requeued job's restarts are visible.
public struct SlurmEnvironment: Sendable, Equatable {
    /// `SLURM_JOB_ID`.
    public var jobID: String
    /// `SLURM_JOB_NAME`.
    public var jobName: String?
    /// `SLURM_RESTART_COUNT`: how often the job was requeued (0 when unset).
    public var restartCount: Int
    /// `SLURM_JOB_NODELIST` in Slurm's compressed form (`node[1-4]`).
    public var nodeList: String?
    /// `SLURM_JOB_NUM_NODES`.
    public var nodes: Int?
    /// `SLURM_NTASKS`: tasks of the job step, when srun started the ranks. Under mpirun it is nil:
    /// OpenMPI rewrites the variable for the processes it starts (measured: 1 in a 2-task job).
    public var tasks: Int?
    /// `SLURM_JOB_CPUS_PER_NODE`, as Slurm writes it (`8(x4)`: 8 CPUs on each of 4 nodes).
    public var cpusPerNode: String?
    /// `SLURM_JOB_PARTITION`.
    public var partition: String?

    /// The job described by `environment`, or nil outside Slurm (no `SLURM_JOB_ID`).
    public static func current(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SlurmEnvironment? {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        guard let id = value("SLURM_JOB_ID") ?? value("SLURM_JOBID") else { return nil }
        return SlurmEnvironment(jobID: id, jobName: value("SLURM_JOB_NAME"),
                                restartCount: value("SLURM_RESTART_COUNT").flatMap { Int($0) } ?? 0,
                                nodeList: value("SLURM_JOB_NODELIST") ?? value("SLURM_NODELIST"),
                                nodes: (value("SLURM_JOB_NUM_NODES") ?? value("SLURM_NNODES")).flatMap { Int($0) },
                                tasks: value("OMPI_COMM_WORLD_SIZE") != nil ? nil : (value("SLURM_NTASKS") ?? value("SLURM_NPROCS")).flatMap { Int($0) },
                                cpusPerNode: value("SLURM_JOB_CPUS_PER_NODE"), partition: value("SLURM_JOB_PARTITION"))
    }

    /// The `slurm` object of `summary.json`.
    public var json: JSONValue {
        .object([("job_id", .string(jobID)), ("job_name", jobName.map(JSONValue.string) ?? .null),
                 ("restart_count", .int(restartCount)), ("node_list", nodeList.map(JSONValue.string) ?? .null),
                 ("nodes", nodes.map(JSONValue.int) ?? .null), ("tasks", tasks.map(JSONValue.int) ?? .null),
                 ("cpus_per_node", cpusPerNode.map(JSONValue.string) ?? .null),
                 ("partition", partition.map(JSONValue.string) ?? .null)])
    }

    /// `slurm job 42 'train' restart 1 on node[1-2] (2 nodes, 2(x2) CPUs/node)`, for the first log line.
    public var summaryLine: String {
        var s = "slurm job \(jobID)"
        if let jobName { s += " '\(jobName)'" }
        if restartCount > 0 { s += " restart \(restartCount)" }
        if let nodeList { s += " on \(nodeList)" }
        let counts = [nodes.map { "\($0) node\($0 == 1 ? "" : "s")" }, tasks.map { "\($0) task\($0 == 1 ? "" : "s")" },
                      cpusPerNode.map { "\($0) CPUs/node" }].compactMap { $0 }
        if !counts.isEmpty { s += " (\(counts.joined(separator: ", ")))" }
        return s
    }
}
