import CMPI

/// A non-blocking send in flight: its buffer must stay unchanged until `wait()` returns.
public final class PendingSend {
    private var request: MPI_Request?
    private let description: String

    init(request: MPI_Request?, description: String) {
        self.request = request
        self.description = description
    }

    /// Whether the send is done (MPI_Test, which also advances it). Safe to call after it is.
    public func test() throws -> Bool {
        guard request != nil else { return true }
        var done: Int32 = 0
        try mpiCheck(MPI_Test(&request, &done, cmpi_status_ignore()), "MPI_Test")
        if done != 0 { request = nil }
        return done != 0
    }

    /// Blocks until the buffer may be reused. Safe to call more than once.
    public func wait() throws {
        guard request != nil else { return }
        try mpiCheck(MPI_Wait(&request, cmpi_status_ignore()), "MPI_Wait")
        request = nil
    }
}

extension Communicator {
    /// Starts sending `count` floats at `buffer` to `destination` with `tag` (MPI_Isend). The
    /// buffer must stay valid and unchanged until the returned send's `wait()`.
    public func send(_ buffer: UnsafePointer<Float>, count: Int, to destination: Int, tag: Int) throws -> PendingSend {
        var request: MPI_Request?
        try mpiCheck(MPI_Isend(buffer, Int32(count), cmpi_float(), Int32(destination), Int32(tag), handle, &request), "MPI_Isend")
        return PendingSend(request: request, description: "send of \(count) floats to rank \(destination)")
    }

    /// Receives exactly `count` floats from `source` with `tag` into `buffer` (MPI_Recv); a
    /// message of another length is an error naming both lengths.
    public func receive(into buffer: UnsafeMutablePointer<Float>, count: Int, from source: Int, tag: Int) throws {
        var status = MPI_Status()
        try tracked("MPI_Recv of \(count) floats from rank \(source)") {
            try mpiCheck(MPI_Recv(buffer, Int32(count), cmpi_float(), Int32(source), Int32(tag), handle, &status), "MPI_Recv")
        }
        var received: Int32 = 0
        try mpiCheck(MPI_Get_count(&status, cmpi_float(), &received), "MPI_Get_count")
        guard Int(received) == count else {
            throw MPIError(call: "MPI_Recv", code: -1, message: "expected \(count) floats from rank \(source) (tag \(tag)), got \(received)", file: #fileID, line: #line)
        }
    }
}
