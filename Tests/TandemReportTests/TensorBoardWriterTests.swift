import Foundation
import Testing
@testable import TandemReport

@Suite struct TensorBoardWriterTests {
    @Test func fileNameAndFirstEvent() throws {
        let dir = try temporaryDirectory("tb")
        let before = Int(Date().timeIntervalSince1970)
        let writer = try TensorBoardWriter(directory: dir, hostname: "node 1/a")
        let name = (writer.path as NSString).lastPathComponent
        #expect(name.hasPrefix("events.out.tfevents."))
        #expect(name.hasSuffix(".node_1_a"))
        let seconds = Int(name.split(separator: ".")[3]) ?? 0
        #expect(seconds >= before && seconds <= before + 5)
        let events = try EventFileReader.events(path: writer.path)
        #expect(events.count == 1)
        #expect(events.first?.fileVersion == "brain.Event:2")
        #expect(events.first?.scalars.isEmpty == true)
    }

    @Test func scalarsParseBackAfterFlush() throws {
        let dir = try temporaryDirectory("tb")
        let writer = try TensorBoardWriter(directory: dir, hostname: "host")
        var expected: [(String, Int, Double)] = []
        for step in stride(from: 10, through: 50, by: 10) {
            let loss = 1.0 / Double(step)
            try writer.add(scalar: "train/loss", value: loss, step: step, wallTime: 1_700_000_000 + Double(step))
            try writer.add(scalar: "lr", value: 0.001 * Double(step), step: step)
            expected += [("train/loss", step, loss), ("lr", step, 0.001 * Double(step))]
        }
        try writer.add(scalars: [("validation/loss", 0.25), ("validation/accuracy", 0.875)], step: 50)
        expected += [("validation/loss", 50, 0.25), ("validation/accuracy", 50, 0.875)]
        // Buffered until flush: only the file-version event is on disk.
        #expect(try EventFileReader.scalars(path: writer.path).isEmpty)
        try writer.flush()
        let read = try EventFileReader.scalars(path: writer.path)
        #expect(read.count == expected.count)
        for (r, e) in zip(read, expected) {
            #expect(r.tag == e.0)
            #expect(r.step == e.1)
            #expect(abs(r.value - e.2) <= 1e-7 * max(1, abs(e.2)), "\(r.tag) at \(r.step): \(r.value) vs \(e.2)")
        }
        let events = try EventFileReader.events(path: writer.path)
        #expect(events[1].wallTime == 1_700_000_010)
    }

    @Test func twoWritersInOneSecondGetTwoFiles() throws {
        let dir = try temporaryDirectory("tb")
        let a = try TensorBoardWriter(directory: dir, hostname: "h")
        let b = try TensorBoardWriter(directory: dir, hostname: "h")
        #expect(a.path != b.path)
    }

    @Test func createsTheDirectoryAndNamesItOnFailure() throws {
        let dir = try temporaryDirectory("tb")
        let nested = (dir as NSString).appendingPathComponent("a/b")
        _ = try TensorBoardWriter(directory: nested, hostname: "h")
        #expect(FileManager.default.fileExists(atPath: nested))
        let file = (dir as NSString).appendingPathComponent("plain-file")
        try writeFile(dir, "plain-file", "x")
        do {
            _ = try TensorBoardWriter(directory: (file as NSString).appendingPathComponent("sub"), hostname: "h")
            Issue.record("a directory under a file must fail")
        } catch {
            #expect("\(error)".contains(file))
        }
    }

    @Test func corruptEventFileIsNamed() throws {
        let dir = try temporaryDirectory("tb")
        let writer = try TensorBoardWriter(directory: dir, hostname: "h")
        try writer.add(scalar: "x", value: 1, step: 1)
        try writer.flush()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: writer.path)))
        bytes[bytes.count - 6] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: writer.path))
        do {
            _ = try EventFileReader.scalars(path: writer.path)
            Issue.record("corruption must be detected")
        } catch {
            #expect("\(error)".contains(writer.path))
            #expect("\(error)".contains("record 1"))
        }
    }
}
