import Foundation
import TandemComm
import TandemTensor

extension Benchmark {
    /// Memory copy bandwidth in GB/s (bytes copied per second) for a buffer of `bytes`.
    public static func memcpyRate(bytes: Int, repeats: Int) -> Double {
        let n = bytes / 4
        let a = FloatBuffer(count: n), b = FloatBuffer(count: n)
        a.fill(1)
        b.base.update(from: a.base, count: n)
        let begin = ContinuousClock.now
        for _ in 0..<repeats { b.base.update(from: a.base, count: n) }
        let seconds = begin.secondsElapsed
        return Double(bytes) * Double(repeats) / seconds / 1e9
    }

    /// Allreduce bus bandwidth in GB/s for `bytes` of floats with `reduce` (e.g. plain
    /// `MPI_Allreduce`): bytes x 2(p-1)/p / time, the convention of nccl-tests, so results for
    /// different rank counts compare.
    public static func allreduceBusBandwidth(bytes: Int, repeats: Int, comm: Communicator,
                                             reduce: (UnsafeMutablePointer<Float>, Int) throws -> Void) throws -> Double {
        let n = bytes / 4
        let buffer = FloatBuffer(count: n)
        buffer.fill(Float(comm.rank + 1))
        try reduce(buffer.base, n)
        // Each repeat starts together (barrier), so a rank's late arrival is not counted.
        var total = 0.0
        for _ in 0..<repeats {
            try comm.barrier()
            let begin = ContinuousClock.now
            try reduce(buffer.base, n)
            total += begin.secondsElapsed
        }
        let seconds = try comm.allreduceMax([total])[0] / Double(repeats)
        let p = Double(comm.size)
        return Double(bytes) * 2 * (p - 1) / p / seconds / 1e9
    }

    /// Largest relative difference (max |shm - mpi| / max |mpi|) between the shared-memory
    /// allreduce and `MPI_Allreduce` on the same seeded random data, over `sizes` (floats).
    public static func verifySharedMemoryAllreduce(_ shm: SharedMemoryAllreduce, comm: Communicator, sizes: [Int]) throws -> Double {
        var worst = 0.0
        for n in sizes {
            var rng = RandomGenerator(seed: UInt64(1000 + comm.rank))
            let a = FloatBuffer(count: n), b = FloatBuffer(count: n)
            for i in 0..<n { a.base[i] = rng.nextFloat() * 2 - 1 }
            b.copy(from: a)
            try comm.allreduceSum(a.base, count: n)
            try shm.allreduceSum(b.base, count: n)
            var diff: Float = 0, scale: Float = 0
            for i in 0..<n { diff = max(diff, abs(a.base[i] - b.base[i])); scale = max(scale, abs(a.base[i])) }
            worst = max(worst, Double(scale == 0 ? diff : diff / scale))
        }
        return try comm.allreduceMax([worst])[0]
    }
}
