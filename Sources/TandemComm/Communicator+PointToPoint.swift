import CMPI
import Foundation

/// Point-to-point byte messages (a sweep's coordinator and its worker groups talk this way).
///
/// Unlike the collectives, these involve two ranks only, so they are not reported to the watchdog.
extension Communicator {
    /// Sends `bytes` to rank `destination` with `tag` (MPI_Send; returns once the buffer may be reused).
    public func send(bytes: [UInt8], to destination: Int, tag: Int) throws {
        guard bytes.count <= Int(Int32.max) else {
            throw MPIError(call: "MPI_Send", code: -1, message: "\(bytes.count) bytes exceed the 2 GiB limit of one message", file: #fileID, line: #line)
        }
        try bytes.withUnsafeBufferPointer { p in
            try mpiCheck(MPI_Send(p.baseAddress, Int32(p.count), cmpi_uint8(), Int32(destination), Int32(tag), handle), "MPI_Send")
        }
    }

    /// Receives the next message with `tag` from `source` (nil: any rank), of any length.
    ///
    /// With `pollInterval` nil this blocks inside MPI (MPI_Probe, which may spin a core while it
    /// waits); otherwise it checks with MPI_Iprobe and sleeps `pollInterval` seconds between
    /// checks, leaving the core to the ranks that compute. Returns the sender and the bytes.
    public func receive(from source: Int? = nil, tag: Int, pollInterval: Double? = nil) throws -> (source: Int, bytes: [UInt8]) {
        var status = MPI_Status()
        let from = Int32(source ?? Int(MPI_ANY_SOURCE))
        if let pollInterval {
            var flag: Int32 = 0
            while true {
                try mpiCheck(MPI_Iprobe(from, Int32(tag), handle, &flag, &status), "MPI_Iprobe")
                if flag != 0 { break }
                Thread.sleep(forTimeInterval: pollInterval)
            }
        } else {
            try mpiCheck(MPI_Probe(from, Int32(tag), handle, &status), "MPI_Probe")
        }
        var count: Int32 = 0
        try mpiCheck(MPI_Get_count(&status, cmpi_uint8(), &count), "MPI_Get_count")
        let sender = status.MPI_SOURCE
        var out = [UInt8](repeating: 0, count: Int(count))
        try out.withUnsafeMutableBufferPointer { p in
            try mpiCheck(MPI_Recv(p.baseAddress, count, cmpi_uint8(), sender, Int32(tag), handle, &status), "MPI_Recv")
        }
        return (Int(sender), out)
    }
}

/// Point-to-point messages straight from and into the caller's memory (a parallel preparation
/// trades columns of hundreds of megabytes this way, without copying them into byte arrays).
extension Communicator {
    /// Sends the bytes at `raw` to rank `destination` with `tag` (MPI_Send from `raw` itself).
    public func send(raw: UnsafeRawBufferPointer, to destination: Int, tag: Int) throws {
        guard raw.count <= Int(Int32.max) else {
            throw MPIError(call: "MPI_Send", code: -1, message: "\(raw.count) bytes exceed the 2 GiB limit of one message", file: #fileID, line: #line)
        }
        try mpiCheck(MPI_Send(raw.baseAddress, Int32(raw.count), cmpi_uint8(), Int32(destination), Int32(tag), handle), "MPI_Send")
    }

    /// Receives the next message with `tag` from `source` into `buffer`, polled as
    /// `receive(from:tag:pollInterval:)` is. Returns true when it held exactly `buffer.count`
    /// bytes; a message of another length is received and dropped (`buffer` unchanged) and
    /// false returned, so the sender is never left blocked.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, from source: Int, tag: Int, pollInterval: Double) throws -> Bool {
        var status = MPI_Status()
        var flag: Int32 = 0
        while true {
            try mpiCheck(MPI_Iprobe(Int32(source), Int32(tag), handle, &flag, &status), "MPI_Iprobe")
            if flag != 0 { break }
            Thread.sleep(forTimeInterval: pollInterval)
        }
        var count: Int32 = 0
        try mpiCheck(MPI_Get_count(&status, cmpi_uint8(), &count), "MPI_Get_count")
        guard Int(count) == buffer.count else {
            var dropped = [UInt8](repeating: 0, count: Int(count))
            try dropped.withUnsafeMutableBufferPointer { p in
                try mpiCheck(MPI_Recv(p.baseAddress, count, cmpi_uint8(), Int32(source), Int32(tag), handle, &status), "MPI_Recv")
            }
            return false
        }
        try mpiCheck(MPI_Recv(buffer.baseAddress, count, cmpi_uint8(), Int32(source), Int32(tag), handle, &status), "MPI_Recv")
        return true
    }
}
