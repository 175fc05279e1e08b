import CMPI
import Glibc

/// A non-blocking send in flight: its buffer must stay unchanged until `wait()` returns.
public final class PendingSend {
    private var request: MPI_Request?

    init(request: MPI_Request?) {
        self.request = request
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
        return PendingSend(request: request)
    }

    /// Receives exactly `count` floats from `source` with `tag` into `buffer` (MPI_Recv); a
    /// message of another length is an error naming both lengths.
    public func receive(into buffer: UnsafeMutablePointer<Float>, count: Int, from source: Int, tag: Int) throws {
        var status = MPI_Status()
        try tracked("MPI_Recv of \(count) floats from rank \(source)") {
            try mpiCheck(MPI_Recv(buffer, Int32(count), cmpi_float(), Int32(source), Int32(tag), handle, &status), "MPI_Recv")
        }
        try checkReceived(status, count: count, from: source, tag: tag)
    }

    /// Receives as `receive(into:count:from:tag:)` does, but waits for the message to arrive
    /// by probing (MPI_Iprobe) instead of inside a blocking MPI_Recv, which spins its core for the
    /// whole wait: probes run back to back for the first `spin`, then `nap` apart, so a rank
    /// that waits long leaves its core to the ranks it waits for when the machine is shared. Once
    /// the message's envelope is there, MPI_Recv takes it (spinning only for the transfer).
    /// `serialize` runs each MPI call (e.g. under the caller's MPI lock, so that another
    /// thread's calls can run between the probes).
    public func receive(into buffer: UnsafeMutablePointer<Float>, count: Int, from source: Int, tag: Int,
                        spin: Duration, nap: Duration, serialize: (() throws -> Bool) throws -> Bool) throws {
        var status = MPI_Status()
        let napMicroseconds = useconds_t(max(nap / .microseconds(1), 1))
        try tracked("MPI_Recv of \(count) floats from rank \(source)") {
            let start = ContinuousClock.now
            while try !serialize({
                var arrived: Int32 = 0
                try mpiCheck(MPI_Iprobe(Int32(source), Int32(tag), handle, &arrived, &status), "MPI_Iprobe")
                return arrived != 0
            }) {
                if ContinuousClock.now - start > spin { usleep(napMicroseconds) }
            }
            _ = try serialize {
                try mpiCheck(MPI_Recv(buffer, Int32(count), cmpi_float(), Int32(source), Int32(tag), handle, &status), "MPI_Recv")
                return true
            }
        }
        try checkReceived(status, count: count, from: source, tag: tag)
    }

    /// Whether a message with `tag` from `source` has arrived and waits to be received
    /// (MPI_Iprobe; does not block).
    public func hasMessage(from source: Int, tag: Int) throws -> Bool {
        var status = MPI_Status()
        var arrived: Int32 = 0
        try mpiCheck(MPI_Iprobe(Int32(source), Int32(tag), handle, &arrived, &status), "MPI_Iprobe")
        return arrived != 0
    }

    /// Throws unless the receive `status` describes exactly `count` floats.
    private func checkReceived(_ status: MPI_Status, count: Int, from source: Int, tag: Int) throws {
        var status = status
        var received: Int32 = 0
        try mpiCheck(MPI_Get_count(&status, cmpi_float(), &received), "MPI_Get_count")
        guard Int(received) == count else {
            throw MPIError(call: "MPI_Recv", code: -1, message: "expected \(count) floats from rank \(source) (tag \(tag)), got \(received)", file: #fileID, line: #line)
        }
    }
}
