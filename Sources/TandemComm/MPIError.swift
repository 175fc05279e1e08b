import CMPI
import TandemTensor

/// A failed MPI call: which call, its error code and MPI's own message, where it was made, and
/// on which rank. A kind of `.environment` failure (a restart may succeed).
public struct MPIError: KindedError, CustomStringConvertible, Sendable {
    /// The MPI function that failed, e.g. `MPI_Allreduce`.
    public let call: String
    /// The MPI error code.
    public let code: Int32
    /// `MPI_Error_string` for `code`.
    public let message: String
    public let file: String
    public let line: Int
    /// The world rank of the process whose call failed (`MPIRuntime.worldRank` when it was made).
    public let rank: Int

    /// A failed `call` on `rank` (by default this process's world rank).
    public init(call: String, code: Int32, message: String, file: String, line: Int, rank: Int = MPIRuntime.worldRank) {
        self.call = call
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.rank = rank
    }

    /// Always `.environment`: MPI failures come from the machines and the network.
    public var kind: FailureKind { .environment }

    public var description: String { "\(call) failed with code \(code): \(message) (\(file):\(line))" }
}

/// Throws an `MPIError` unless `code` is `MPI_SUCCESS`. Every MPI call in Tandem goes through this.
@inlinable
public func mpiCheck(_ code: Int32, _ call: StaticString, file: StaticString = #fileID, line: Int = #line) throws {
    if code != cmpi_success() { throw makeMPIError(code, "\(call)", "\(file)", line) }
}

@usableFromInline
func makeMPIError(_ code: Int32, _ call: String, _ file: String, _ line: Int) -> MPIError {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
    var length: Int32 = 0
    let text: String
    if MPI_Error_string(code, &buffer, &length) == cmpi_success() {
        text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    } else {
        text = "unknown MPI error"
    }
    return MPIError(call: call, code: code, message: text, file: file, line: line)
}
