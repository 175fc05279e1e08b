import Foundation
import Testing
@testable import TandemReport

/// Resuming cuts the TensorBoard files back to the checkpoint, as metrics.jsonl is cut.
@Suite struct EventFileTrimmingTests {
    /// Two event files, as a run and one resume leave them: 4 events, then 3.
    func twoFiles() throws -> String {
        let dir = try temporaryDirectory("trim")
        let first = try TensorBoardWriter(directory: dir, hostname: "a")
        for step in 1...4 { try first.add(scalar: "train/loss", value: Double(step), step: step * 10) }
        try first.flush()
        // The second file is named after a later second than the first.
        let later = (dir as NSString).appendingPathComponent("events.out.tfevents.\(Int(Date().timeIntervalSince1970) + 5).a")
        try FileManager.default.moveItem(atPath: try TensorBoardWriter(directory: dir, hostname: "b").path, toPath: later)
        var data = try Data(contentsOf: URL(fileURLWithPath: later))
        for step in 5...7 {
            TFRecord.append(TensorBoardEvent(wallTime: 1, step: Int64(step * 10), scalars: [.init(tag: "train/loss", value: Float(step))]).encoded(), to: &data)
        }
        try data.write(to: URL(fileURLWithPath: later))
        return dir
    }

    func steps(_ dir: String) throws -> [Int] {
        try EventFileTrimming.eventFiles(in: dir).flatMap { try EventFileReader.scalars(path: $0).map(\.step) }
    }

    @Test func keepsTheFirstEventsInFileOrder() throws {
        let dir = try twoFiles()
        #expect(try steps(dir) == [10, 20, 30, 40, 50, 60, 70])
        try EventFileTrimming.keepFirst(5, in: dir)
        #expect(try steps(dir) == [10, 20, 30, 40, 50])
        try EventFileTrimming.keepFirst(2, in: dir)
        #expect(try steps(dir) == [10, 20])
        // Every file keeps its version record, so TensorBoard still reads it.
        for f in EventFileTrimming.eventFiles(in: dir) {
            #expect(try EventFileReader.events(path: f).first?.fileVersion == "brain.Event:2")
        }
    }

    @Test func aFileCutShortByACrashKeepsItsIntactRecords() throws {
        let dir = try twoFiles()
        let last = try #require(EventFileTrimming.eventFiles(in: dir).last)
        let data = try Data(contentsOf: URL(fileURLWithPath: last))
        try data.prefix(data.count - 3).write(to: URL(fileURLWithPath: last))
        try EventFileTrimming.keepFirst(100, in: dir)
        #expect(try steps(dir) == [10, 20, 30, 40, 50, 60])
    }
}
