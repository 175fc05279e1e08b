import Foundation
import Testing
import TestSupport
@testable import TandemReport

/// Runs `python3` with `arguments`; returns (exit status, standard output), or nil when python3 cannot start.
func runPython(_ arguments: [String]) -> (status: Int32, output: String)? { python3(arguments) }

/// Whether `python3 -c "import tensorboard"` works here.
let tensorboardAvailable: Bool = runPython(["-c", "import tensorboard"])?.status == 0

@Suite struct TensorBoardPythonTests {
    @Test(.enabled(if: tensorboardAvailable, "python3 with the tensorboard package is not installed (pip install tensorboard); skipping the cross-check with TensorBoard's reader"))
    func tensorboardEventAccumulatorReadsOurFile() throws {
        let dir = try temporaryDirectory("tb-python")
        let writer = try TensorBoardWriter(directory: dir)
        var expected: [String: [(Int, Double)]] = [:]
        for step in stride(from: 20, through: 200, by: 20) {
            let values = [("train/loss", 2.0 / Double(step)), ("validation/accuracy", 0.5 + Double(step) / 500),
                          ("lr", 0.002 * (1 - Double(step) / 400)), ("samples_per_second", 10_000 + Double(step))]
            for (tag, v) in values {
                try writer.add(scalar: tag, value: v, step: step)
                expected[tag, default: []].append((step, v))
            }
        }
        try writer.flush()
        let script = """
        import sys
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
        acc.Reload()
        for tag in sorted(acc.Tags()["scalars"]):
            for e in acc.Scalars(tag):
                print(tag, e.step, repr(e.value))
        """
        let result = try #require(runPython(["-c", script, dir]))
        #expect(result.status == 0, "python exited \(result.status)")
        var read: [String: [(Int, Double)]] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let step = Int(parts[1]), let value = Double(parts[2]) else { continue }
            read[String(parts[0]), default: []].append((step, value))
        }
        #expect(Set(read.keys) == Set(expected.keys), "tags read by TensorBoard: \(read.keys.sorted())")
        for (tag, series) in expected {
            let got = read[tag] ?? []
            #expect(got.map(\.0) == series.map(\.0), "\(tag) steps")
            for (g, e) in zip(got, series) {
                #expect(abs(g.1 - e.1) <= 1e-6 * max(1, abs(e.1)), "\(tag) at step \(e.0): \(g.1) vs \(e.1)")
            }
        }
    }
}
