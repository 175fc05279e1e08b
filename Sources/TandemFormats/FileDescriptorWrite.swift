#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Writing a whole buffer to a file descriptor, the loop every `write(2)` caller needs.
public enum FileDescriptorWrite {
    /// Writes all of `bytes` at `fd`'s position, retrying interrupted (`EINTR`) and partial
    /// writes. Returns the bytes written and 0, or the bytes written before the failing write
    /// and its `errno` (`EIO` for a write that wrote nothing).
    public static func all(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> (written: Int, error: Int32) {
        guard let base = bytes.baseAddress else { return (0, 0) }
        var done = 0
        while done < bytes.count {
            let n = write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return (done, errno)
            }
            if n == 0 { return (done, EIO) }
            done += n
        }
        return (done, 0)
    }
}
