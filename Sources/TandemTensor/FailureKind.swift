/// What kind of failure an error is. The kind, never the message text, decides the exit code of
/// a failed job and so whether `scripts/tandem-run` restarts it.
public enum FailureKind: Sendable, Equatable {
    /// Something the user gave is wrong (a config value, the data, a model that cannot be built,
    /// a checkpoint that does not fit the config, a diverged loss): a restart cannot fix it. Exit 2.
    case userInput
    /// Something around the job failed (MPI, a file system, a damaged checkpoint): a restart may
    /// succeed. Exit 1.
    case environment

    /// The process exit code of a job that ends with this kind of failure: 2 or 1.
    public var exitCode: Int32 {
        switch self {
        case .userInput: 2
        case .environment: 1
        }
    }
}

/// An error that says what kind of failure it is. Errors that do not conform count as
/// `.environment`.
public protocol KindedError: Error {
    /// The kind of this failure.
    var kind: FailureKind { get }
}

extension FailureKind {
    /// The kind of `error`: its own for a `KindedError`, `.environment` for any other.
    public static func of(_ error: any Error) -> FailureKind {
        (error as? any KindedError)?.kind ?? .environment
    }
}
