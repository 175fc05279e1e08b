import Foundation
import Testing
@testable import TandemTrain
#if canImport(Glibc)
import Glibc
#endif

/// `ConsoleOutput` against pipes: writes never wait for a reader, text keeps its order across
/// both streams, a stalled reader makes `flush` give up, and text beyond the limit is dropped
/// with a note.
@Suite struct ConsoleOutputTests {
    /// A pipe: (read end, non-blocking; write end).
    private func pipe() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        try #require(Glibc.pipe(&fds) == 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        return (fds[0], fds[1])
    }

    /// Reads from `fd` (non-blocking) while data is there, and waits (5 s at most) until at least
    /// `count` bytes arrived.
    private func read(_ fd: Int32, atLeast count: Int) -> String {
        var out = [UInt8](), buffer = [UInt8](repeating: 0, count: 65536)
        let end = Date().addingTimeInterval(5)
        while Date() < end {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out += buffer[0..<n]; continue }
            if out.count >= count { break }
            usleep(1000)
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func keepsOrderAcrossStreams() throws {
        let (r, w) = try pipe()
        defer { close(r); close(w) }
        // Both streams into one pipe: the order seen is the order written.
        let console = ConsoleOutput(output: w, error: w)
        for i in 0..<100 { console.write("line \(i)\n", to: i % 3 == 0 ? .error : .output) }
        #expect(console.flush(stall: 2))
        let text = (0..<100).map { "line \($0)\n" }.joined()
        #expect(read(r, atLeast: text.utf8.count) == text)
    }

    @Test func aStalledReaderNeverBlocksTheWriterAndFlushGivesUp() throws {
        let (r, w) = try pipe()
        defer { close(r); close(w) }
        let console = ConsoleOutput(output: w, error: w, limit: 1 << 20)
        // 256 KiB, four times what a Linux pipe holds, with nobody reading.
        let line = String(repeating: "x", count: 1023) + "\n"
        let start = ContinuousClock.now
        for _ in 0..<256 { console.write(line) }
        #expect(start.duration(to: .now) < .seconds(1))
        #expect(!console.flush(stall: 0.2))
        // Once the reader reads, everything arrives.
        let text = read(r, atLeast: 256 * 1024)
        #expect(text.utf8.count == 256 * 1024)
        #expect(console.flush(stall: 2))
    }

    @Test func textBeyondTheLimitIsDroppedAndCounted() throws {
        let (r, w) = try pipe()
        defer { close(r); close(w) }
        let console = ConsoleOutput(output: w, error: w, limit: 128 * 1024)
        let line = String(repeating: "y", count: 1023) + "\n"
        // 512 lines of 1 KiB against a 64 KiB pipe nobody reads yet and a 128 KiB queue.
        for i in 0..<512 { console.write(String(format: "%04d", i) + line) }
        // Read what was kept until the console has written it all, then write once more: the
        // note of the lines dropped last comes before it.
        var text = ""
        while true {
            text += read(r, atLeast: 0)
            if console.flush(stall: 0.05) { text += read(r, atLeast: 0); break }
        }
        console.write("after\n")
        #expect(console.flush(stall: 2))
        let tail = read(r, atLeast: 1)
        // Every line is printed or counted in a note (more than one when the writer freed room
        // while the lines were still coming).
        let lines = (text + tail).split(separator: "\n")
        let printed = lines.filter { $0.hasSuffix("y") }.count
        let notes = lines.filter { $0.hasPrefix("(") }
        let counted = notes.compactMap { Int($0.dropFirst().prefix { $0 != " " }) }.reduce(0, +)
        #expect(!notes.isEmpty && notes.allSatisfy { $0.hasSuffix("bytes, were not printed: the output did not take them)") })
        #expect(printed >= 64 && printed + counted == 512)
        #expect(tail.hasSuffix("after\n"))
    }
}
