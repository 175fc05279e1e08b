import Foundation
import TandemTensor
#if canImport(Glibc)
import Glibc
#endif

/// The read-only bytes of one file of a prepared dataset: mapped from disk with `mmap` (pages
/// come from the page cache when touched, so resident memory does not grow with the file), or
/// owned in memory for a dataset prepared with `data.cache: off`.
public final class ColumnBuffer: @unchecked Sendable {
    /// The bytes (8-byte aligned; empty for an empty file).
    public let bytes: UnsafeRawBufferPointer
    private let mapped: Bool

    /// Maps the file at `path` read-only. Throws `DataError` naming the path if it cannot be
    /// opened or mapped.
    public init(mapping path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DataError(file: path, message: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DataError(file: path, message: "cannot stat: \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        mapped = size > 0
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw DataError(file: path, message: "cannot map into memory: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// An in-memory buffer holding a copy of `count` bytes written by `fill`.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        mapped = false
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        HugePages.advise(p)
        let view = UnsafeMutableRawBufferPointer(rebasing: p[0..<count])
        fill(view)
        bytes = UnsafeRawBufferPointer(start: p.baseAddress, count: count)
    }

    /// An in-memory buffer holding the elements of `values`.
    public convenience init<T>(copying values: [T]) {
        self.init(count: values.count * MemoryLayout<T>.stride) { dst in
            values.withUnsafeBytes { src in if let s = src.baseAddress, let d = dst.baseAddress { d.copyMemory(from: s, byteCount: src.count) } }
        }
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        } else {
            UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.deallocate()
        }
    }

    /// The bytes as elements of `T` (the file's little-endian layout is the machine's).
    public func typed<T>(_ type: T.Type) -> UnsafeBufferPointer<T> {
        guard let base = bytes.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: T.self), count: bytes.count / MemoryLayout<T>.stride)
    }

    /// Number of bytes.
    public var count: Int { bytes.count }
}
