import CMPI

extension Communicator {
    /// Concatenates every rank's floats in rank order into `out`, without allocating: this rank
    /// sends `count` floats from `send`; rank r's `counts[r]` floats land at
    /// `out + displacements[r]`. Every rank passes the same `counts` and `displacements`.
    public func allgatherv(_ send: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>,
                           counts: [Int32], displacements: [Int32]) throws {
        if size == 1 {
            out.update(from: send, count: count)
            return
        }
        try tracked("MPI_Allgatherv of \(count) floats") {
            try mpiCheck(MPI_Allgatherv(send, Int32(count), cmpi_float(), out, counts, displacements, cmpi_float(), handle), "MPI_Allgatherv")
        }
    }
}
