import Foundation
import TandemMetrics
@testable import TandemSweep

/// Paths of the checked-in examples, found from this source file so any checkout works.
enum Examples {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")
    static let iris = root.appendingPathComponent("iris.yaml").path
}

/// A sweep config over examples/iris.yaml with `search` (YAML lines indented under `search:`).
func sweepYAML(_ search: String) -> String {
    "base: \(Examples.iris)\nsearch:\n" + search.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
}

/// Parses a sweep config named `sweep.yaml`.
func parseSweep(_ text: String) throws -> SweepConfig { try SweepConfig.parse(text, source: "sweep.yaml") }

/// The `SweepError` message parsing `text` throws, or nil (with the reason) when it parses.
func sweepError(_ text: String) -> String {
    do {
        _ = try parseSweep(text)
        return "parsed without error"
    } catch {
        return "\(error)"
    }
}

/// A spec from inline YAML, e.g. `{int: [1, 3]}`.
func spec(_ yaml: String) throws -> ParamSpec {
    try parseSweep(sweepYAML("params:\n  train.epochs: \(yaml)")).space.params[0].spec
}
