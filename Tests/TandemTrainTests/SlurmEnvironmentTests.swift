import Testing
@testable import TandemTrain

@Suite struct SlurmEnvironmentTests {
    @Test func outsideSlurmThereIsNoJob() {
        #expect(SlurmEnvironment.current(["PATH": "/usr/bin", "SLURM_JOB_ID": ""]) == nil)
    }

    @Test func readsTheJobVariables() throws {
        let s = try #require(SlurmEnvironment.current([
            "SLURM_JOB_ID": "42", "SLURM_JOB_NAME": "train", "SLURM_RESTART_COUNT": "1",
            "SLURM_JOB_NODELIST": "node[1-2]", "SLURM_JOB_NUM_NODES": "2", "SLURM_NTASKS": "4", "SLURM_JOB_PARTITION": "debug",
            "SLURM_JOB_CPUS_PER_NODE": "2(x2)",
        ]))
        #expect(s == SlurmEnvironment(jobID: "42", jobName: "train", restartCount: 1, nodeList: "node[1-2]", nodes: 2, tasks: 4,
                                     cpusPerNode: "2(x2)", partition: "debug"))
        #expect(s.summaryLine == "slurm job 42 'train' restart 1 on node[1-2] (2 nodes, 4 tasks, 2(x2) CPUs/node)")
        #expect(s.json.rendered.contains("\"restart_count\":1"))
    }

    @Test func olderVariableNamesAndAFirstStart() throws {
        // srun steps and older Slurm set SLURM_JOBID / SLURM_NNODES / SLURM_NPROCS; no restart count on the first start.
        let s = try #require(SlurmEnvironment.current(["SLURM_JOBID": "7", "SLURM_NNODES": "1", "SLURM_NPROCS": "1", "SLURM_NODELIST": "n1"]))
        #expect(s.restartCount == 0 && s.nodes == 1 && s.tasks == 1 && s.nodeList == "n1" && s.jobName == nil)
        #expect(s.summaryLine == "slurm job 7 on n1 (1 node, 1 task)")
    }

    @Test func underMpirunTheTaskCountIsNotTrusted() throws {
        // OpenMPI rewrites SLURM_NTASKS for the ranks it starts; the world size is in the layout instead.
        let s = try #require(SlurmEnvironment.current(["SLURM_JOB_ID": "9", "SLURM_NTASKS": "1", "OMPI_COMM_WORLD_SIZE": "2"]))
        #expect(s.tasks == nil)
    }
}
