import Foundation
import TandemFormats
import TandemTensor
#if canImport(Glibc)
import Glibc
#endif

/// What a prepared dataset remembers of a source file, to notice when it changes: size and
/// modification time (checked on every reuse, a `stat` call), and the SHA-256 of the whole file
/// (computed once at preparation, and again only when size or time differ, so a touched but
/// unchanged file is still reused).
public struct SourceStamp: Codable, Sendable, Equatable {
    /// The path as the data config gives it.
    public var path: String
    /// Size in bytes.
    public var size: Int
    /// Modification time, nanoseconds since 1970.
    public var mtimeNanoseconds: Int64
    /// SHA-256 of the whole file, lowercase hex.
    public var sha256: String

    enum CodingKeys: String, CodingKey {
        case path, size, mtimeNanoseconds = "mtime_ns", sha256
    }

    /// Size and modification time of `path` (no hashing). Throws `DataError` naming the path.
    public static func stat(_ path: String) throws -> (size: Int, mtimeNanoseconds: Int64) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DataError(file: path, message: errno == ENOENT ? "no such file" : "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0 else { throw DataError(file: path, message: "cannot stat: \(String(cString: strerror(errno)))") }
        return (Int(st.st_size), Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }

    /// The stamp of `path` now, hashing the whole file.
    public static func make(_ path: String) throws -> SourceStamp {
        let (size, mtime) = try stat(path)
        return SourceStamp(path: path, size: size, mtimeNanoseconds: mtime, sha256: try hash(path))
    }

    /// SHA-256 of the file at `path` (read through a mapping), lowercase hex.
    public static func hash(_ path: String) throws -> String {
        let buffer = try ColumnBuffer(mapping: path)
        var h = SHA256()
        withExtendedLifetime(buffer) { h.update(buffer.bytes) }
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Why `path` no longer matches this stamp (nil when it does): size and time first; when
    /// they differ, the content hash decides, so a file that was only touched still matches.
    public func change(of path: String) throws -> String? {
        let now = try SourceStamp.stat(path)
        if now.size == size && now.mtimeNanoseconds == mtimeNanoseconds { return nil }
        if try SourceStamp.hash(path) == sha256 { return nil }
        if now.size != size { return "\(path) changed since it was prepared (size \(size) -> \(now.size) bytes)" }
        return "\(path) changed since it was prepared (same size, modified at another time, different SHA-256)"
    }
}
