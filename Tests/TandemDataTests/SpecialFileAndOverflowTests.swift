import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import TandemData

/// Data paths that are not regular files, and numbers too large for a double, get errors that
/// say so (they said "You don't have permission" and "found inf").
@Suite struct SpecialFileAndOverflowTests {
    func error(_ body: () throws -> Any) -> DataError? {
        do { _ = try body(); return nil } catch { return error as? DataError }
    }

    @Test func deviceIsNotARegularFile() throws {
        let e = try #require(error { try Table.readFile("/dev/null") })
        #expect(e.description == "/dev/null: is a character device, not a regular file; expected a .csv or .npy file")
    }

    /// Reading a FIFO would block until a writer came; it is refused at once.
    @Test func fifoIsRefusedWithoutBlocking() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-fifo-\(UUID().uuidString).csv").path
        try #require(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let e = try #require(error { try Table.load(path: path) })
        #expect(e.description == "\(path): is a named pipe (FIFO), not a regular file; expected a .csv or .npy file")
    }

    static let overflowing = "a,b,y\n1,2,x\n1e400,3,y\n4,-1e999,x\n"

    @Test func overflowNamesFileLineColumnAndText() throws {
        let data = Data(Self.overflowing.utf8)
        let parsed = try #require(error { try Table(csv: CSVReader.parse(data, file: "t.csv"), file: "t.csv") })
        #expect(parsed.description == "t.csv:3: column 'a': \"1e400\" overflows a 64-bit float (found inf); numbers must lie within ±1.8e308")
        let streamed = try #require(error { try data.withUnsafeBytes { try Table(streaming: $0.bindMemory(to: UInt8.self), file: "t.csv") } })
        #expect(streamed == parsed)
    }

    @Test func negativeOverflowToo() throws {
        let data = Data("a\n1\n-1e999\n".utf8)
        let e = try #require(error { try Table(csv: CSVReader.parse(data, file: "t.csv"), file: "t.csv") })
        #expect(e.line == 3 && e.column == "a" && e.message.hasPrefix("\"-1e999\" overflows"))
    }

    /// `inf` spelled out is not an overflow (it is refused later as not finite), and a
    /// categorical column keeps `1e400` as text.
    @Test func spelledInfinityAndCategoricalColumnsAreNotOverflows() throws {
        let t = try Table(csv: CSVReader.parse(Data("a,b\ninf,x\n1,1e400\n".utf8), file: "t.csv"), file: "t.csv")
        #expect(t.names == ["a", "b"])
        #expect(!ColumnTyping.overflows("-Infinity") && !ColumnTyping.overflows(" inf ") && ColumnTyping.overflows("1e400"))
    }
}
