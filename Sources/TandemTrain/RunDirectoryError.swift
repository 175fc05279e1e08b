/// The run directory could not be created or written: `reason` says which path and what failed.
public struct RunDirectoryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What failed. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// The file `path` could not be created.
        case cannotCreate(path: String)
        /// The run directory `path` could not be prepared (`detail` from the file system).
        case cannotPrepare(path: String, detail: String)
        /// The file `path` could not be written.
        case cannotWrite(path: String, detail: String)
        /// The file `path` could not be appended to.
        case cannotAppend(path: String, detail: String)
        /// The timeline `path` could not be written.
        case cannotWriteTimeline(path: String, detail: String)
    }

    /// What failed.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// The path that failed.
    public var path: String {
        switch reason {
        case .cannotCreate(let p), .cannotPrepare(let p, _), .cannotWrite(let p, _), .cannotAppend(let p, _), .cannotWriteTimeline(let p, _): p
        }
    }

    public var description: String {
        switch reason {
        case .cannotCreate(let p): "cannot create \(p)"
        case .cannotPrepare(let p, let detail): "cannot prepare the run directory \(p): \(detail)"
        case .cannotWrite(let p, let detail): "cannot write \(p): \(detail)"
        case .cannotAppend(let p, let detail): "cannot append to \(p): \(detail)"
        case .cannotWriteTimeline(let p, let detail): "cannot write the timeline \(p): \(detail)"
        }
    }
}
