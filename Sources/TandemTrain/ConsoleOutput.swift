import Foundation
import TandemFormats
#if canImport(Glibc)
import Glibc
#endif

/// Training's console text (epoch lines, notices, warnings), written by a thread of its own so
/// the training thread never waits for standard output or standard error.
///
/// Why: OpenMPI 4.1's `mpirun` stops relaying the ranks' output from the moment it gets SIGTERM
/// or SIGINT, and forwards the signal to the ranks only later. A rank printing epoch lines
/// (thousands a second on a small model) fills its pseudo-terminal (about 17.7 KB) before the
/// signal arrives and blocks in `write`; the signal handler is installed with `SA_RESTART`, so
/// the write resumes, the rank never reaches the step where the ranks agree to stop, and
/// `mpirun`'s kill timer ends the job without its checkpoint. With the text queued here the
/// training thread goes on, sees the signal at the next step, and writes the checkpoint.
///
/// Text keeps its order across both streams (one queue). At most `limit` bytes wait: beyond it
/// new text is dropped and counted, and a note says how much once the stream takes text again.
/// `flush` (called before the process exits, and before a failing rank prints its error) waits
/// until the queue is written or the stream has taken nothing for a while.
public final class ConsoleOutput: @unchecked Sendable {
    /// The process's console (standard output and standard error).
    public static let shared: ConsoleOutput = {
        let console = ConsoleOutput()
        // Text queued when the process exits normally (any path through `exit`) is written
        // first; after a stop signal only briefly (`mpirun` may not be reading).
        atexit { _ = ConsoleOutput.shared.flush(stall: StopSignal.shared.signal == nil ? 2 : 0.5) }
        return console
    }()

    /// Where a piece of text goes.
    public enum Stream: Sendable { case output, error }

    private let condition = NSCondition()
    private var queue: [(Stream, String)] = []
    private var queuedBytes = 0
    /// Pieces of text dropped since the queue was last full, and their bytes.
    private var dropped = 0
    private var droppedBytes = 0
    /// Bytes written so far (a flush that sees it move keeps waiting).
    private var written = 0
    /// Whether the writer thread holds text it took from the queue.
    private var busy = false
    private var started = false
    /// The most bytes waiting at once.
    public let limit: Int
    /// The file descriptors the two streams write to.
    private let outputFD: Int32, errorFD: Int32

    /// A console writing to `output` and `error` (standard output and error; tests give pipes).
    /// Its thread, started by the first write, lives as long as the process.
    public init(output: Int32 = STDOUT_FILENO, error: Int32 = STDERR_FILENO, limit: Int = 1 << 20) {
        outputFD = output
        errorFD = error
        self.limit = limit
    }

    /// Queues `text` for `stream` and returns at once.
    public func write(_ text: String, to stream: Stream = .output) {
        let bytes = text.utf8.count
        condition.lock()
        defer { condition.unlock() }
        if queuedBytes + bytes > limit {
            dropped += 1
            droppedBytes += bytes
            return
        }
        if dropped > 0 {
            let note = "(\(dropped) console messages, \(droppedBytes) bytes, were not printed: the output did not take them)\n"
            queue.append((.error, note))
            queuedBytes += note.utf8.count
            dropped = 0
            droppedBytes = 0
        }
        queue.append((stream, text))
        queuedBytes += bytes
        if !started {
            started = true
            let thread = Thread { self.drain() }
            thread.name = "console output"
            thread.start()
        }
        condition.signal()
    }

    /// Waits until everything queued is written, giving up once the streams have taken nothing
    /// for `stall` seconds (a reader that stopped reading). Returns whether all was written.
    @discardableResult
    public func flush(stall: Double = 2) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        var progress = written, since = Date()
        while !queue.isEmpty || busy {
            if written != progress { progress = written; since = Date() }
            let deadline = since.addingTimeInterval(stall)
            if Date() >= deadline { return false }
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
        }
        return true
    }

    /// The writer thread: takes the whole queue, writes it, repeats.
    private func drain() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            busy = true
            condition.unlock()
            for (stream, text) in batch {
                let count = Self.writeAll(text, to: stream == .output ? outputFD : errorFD)
                condition.lock()
                written += count
                queuedBytes -= text.utf8.count
                condition.broadcast()
                condition.unlock()
            }
            condition.lock()
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Writes all of `text` to `fd` (retrying interrupted and partial writes); returns the bytes
    /// written (fewer when the descriptor fails, e.g. a closed pipe).
    private static func writeAll(_ text: String, to fd: Int32) -> Int {
        var text = text
        return text.withUTF8 { FileDescriptorWrite.all(UnsafeRawBufferPointer($0), to: fd).written }
    }
}
