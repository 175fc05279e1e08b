import Foundation
import Testing
@testable import TandemReport

@Suite struct TensorBoardEventTests {
    @Test func eventRoundTrip() throws {
        let event = TensorBoardEvent(wallTime: 1_700_000_000.25, step: 42,
                                     scalars: [.init(tag: "train/loss", value: 0.5), .init(tag: "lr", value: 1e-3)])
        #expect(try TensorBoardEvent.decode(event.encoded(), source: "mem") == event)
        let header = TensorBoardEvent(wallTime: 1, step: 0, fileVersion: "brain.Event:2")
        #expect(try TensorBoardEvent.decode(header.encoded(), source: "mem") == header)
    }

    /// A damaged event is a `ReportError` naming its source (the protobuf error is wrapped).
    @Test func truncatedEventIsAReportError() {
        let event = TensorBoardEvent(wallTime: 1, step: 3, scalars: [.init(tag: "lr", value: 0.5)])
        let damaged = event.encoded().dropLast(3)
        #expect(throws: ReportError.self) { try TensorBoardEvent.decode(Data(damaged), source: "f record 2") }
        do { _ = try TensorBoardEvent.decode(Data(damaged), source: "f record 2") } catch { #expect("\(error)".contains("f record 2")) }
    }
}
