/// A prepared dataset directory that cannot be used or written: missing, damaged, half-written,
/// of another format, or a file system that refused. `reason` says which file and why.
public struct PreparedDataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file system operation that failed.
    public enum Operation: Equatable, Sendable, Codable {
        case create
        case write
        /// Writing the dataset as a whole (the temporary directory is removed).
        case writeDataset
        case rename(to: String)
        case openToSync
        case sync
        case createCacheDirectory
        case createLockFile
        case lock
    }

    /// What is wrong. Callers switch on this, never on the message text. `Codable`, so that
    /// rank 0's reason reaches the other ranks unchanged.
    public enum Reason: Equatable, Sendable, Codable {
        /// `file` of the dataset in `directory` is missing or unreadable.
        case missing(directory: String, file: String)
        /// `file`'s SHA-256 is not the one recorded.
        case checksumMismatch(directory: String, file: String)
        /// `file` is not the JSON it should be.
        case unparsable(directory: String, file: String, detail: String)
        /// The dataset is of another format or format version than `supported`.
        case unsupportedFormat(directory: String, format: String, version: Int, supported: Int)
        /// `file` has `bytes` bytes, but `prepared.json` records `expected`.
        case wrongSize(directory: String, file: String, bytes: Int, expected: Int)
        /// `file` is needed but `prepared.json` does not list it.
        case notListed(directory: String, file: String)
        /// `file`'s `bytes` are not `rows` rows of its element size.
        case notWholeRows(directory: String, file: String, bytes: Int, rows: Int)
        /// A split file holds `rows` rows, but `prepared.json` records `expected`.
        case wrongRowCount(directory: String, file: String, rows: Int, expected: Int)
        /// Column `column` has a dtype this tandem does not read.
        case unknownDType(directory: String, column: String, dtype: String)
        /// `operation` on `path` failed with `detail` (e.g. "No space left on device").
        case fileSystem(Operation, path: String, detail: String)
        /// `what` (about `path`, if any) arrived from another rank damaged.
        case damagedMessage(what: String, path: String?, detail: String?)
        /// Another rank failed with an error of no known kind.
        case failedOnRank(rank: Int, message: String)
        /// Rank `rank` ended the preparation with no dataset.
        case noDataset(rank: Int)
    }

    /// What is wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// The dataset directory the error is about, for errors about a dataset's files.
    public var directory: String? {
        switch reason {
        case .missing(let d, _), .checksumMismatch(let d, _), .unparsable(let d, _, _), .unsupportedFormat(let d, _, _, _),
             .wrongSize(let d, _, _, _), .notListed(let d, _), .notWholeRows(let d, _, _, _), .wrongRowCount(let d, _, _, _),
             .unknownDType(let d, _, _):
            d
        case .fileSystem, .damagedMessage, .failedOnRank, .noDataset:
            nil
        }
    }

    public var description: String {
        switch reason {
        case .missing(let d, let f):
            return "\(d): \(f) is missing or unreadable"
        case .checksumMismatch(let d, let f):
            return f == "prepared.json" ? "\(d): checksum mismatch in prepared.json" : "\(d): checksum mismatch in \(f) (the file was changed or damaged)"
        case .unparsable(let d, let f, let detail):
            return "\(d): \(f) does not parse: \(detail)"
        case .unsupportedFormat(let d, let format, let version, let supported):
            return "\(d): format \(format) version \(version) is not supported (this tandem reads version \(supported))"
        case .wrongSize(let d, let f, let bytes, let expected):
            return "\(d): \(f) is \(bytes) bytes, expected \(expected) (truncated or half-written)"
        case .notListed(let d, let f):
            return "\(d): \(f) is not listed in prepared.json"
        case .notWholeRows(let d, let f, let bytes, let rows):
            return "\(d): \(f) holds \(bytes) bytes, not \(rows) rows"
        case .wrongRowCount(let d, let f, let rows, let expected):
            return "\(d): \(f) holds \(rows) rows, expected \(expected)"
        case .unknownDType(let d, let column, let dtype):
            return "\(d): column '\(column)' has unknown dtype \(dtype)"
        case .fileSystem(let operation, let path, let detail):
            switch operation {
            case .create: return "cannot create \(path): \(detail)"
            case .write: return "cannot write \(path): \(detail)"
            case .writeDataset: return "cannot write the prepared dataset \(path): \(detail)"
            case .rename(let to): return "cannot rename \(path) to \(to): \(detail)"
            case .openToSync: return "cannot open \(path) to sync it: \(detail)"
            case .sync: return "fsync of \(path) failed: \(detail)"
            case .createCacheDirectory: return "cannot create the data cache directory \(path): \(detail)"
            case .createLockFile: return "cannot create the lock file \(path): \(detail)"
            case .lock: return "cannot lock \(path): \(detail)"
            }
        case .damagedMessage(let what, let path, let detail):
            return (path.map { "\($0): " } ?? "") + "\(what) arrived damaged" + (detail.map { ": \($0)" } ?? "")
        case .failedOnRank(let rank, let message):
            return "rank \(rank) could not prepare the data: \(message)"
        case .noDataset(let rank):
            return "rank \(rank) assembled no dataset"
        }
    }
}
