import Foundation
import Testing
@testable import TandemReport

/// summary.json fields are read by their JSON type: a Boolean is never a number and a number
/// never a Boolean (this was decided by the name of Foundation's private boxing class).
@Suite struct RunSummaryJSONTests {
    func summary(_ json: String) throws -> RunSummary {
        let dir = try temporaryDirectory("summary")
        try writeFile(dir, "summary.json", json)
        return try RunSummary.load(path: (dir as NSString).appendingPathComponent("summary.json"))
    }

    @Test func booleansAndNumbersKeepTheirTypes() throws {
        let s = try summary(#"{"stopped_early": true, "epochs": 3, "wall_seconds": 1.5, "layout": {"dp": 2}}"#)
        #expect(s.stoppedEarly == true && s.epochs == 3 && s.wallSeconds == 1.5 && s.layoutText == "dp2 tp1 pp1")
        let swapped = try summary(#"{"stopped_early": 1, "epochs": true, "wall_seconds": false}"#)
        #expect(swapped.stoppedEarly == nil && swapped.epochs == nil && swapped.wallSeconds == nil)
    }

    @Test func notAnObjectIsAnError() throws {
        #expect(throws: ReportError.self) { try summary("[1, 2]") }
        #expect(throws: ReportError.self) { try summary("{\"a\": ") }
    }
}
