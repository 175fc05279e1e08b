import Foundation
import Testing
@testable import TandemTrain

/// Paths of the checked-in examples, found from this source file so any checkout works.
enum Examples {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples")
    static let digitsConfig = root.appendingPathComponent("digits.yaml").path
    static let iris = root.appendingPathComponent("data/iris.csv").path

    /// The text of `examples/digits.yaml`.
    static func digitsText() throws -> String {
        try String(contentsOfFile: digitsConfig, encoding: .utf8)
    }
}

/// The smallest valid config: only the required data keys.
let minimalYAML = """
data:
  path: data.csv
  target: y
  task: classification
"""

/// Parses `text` as a config named `test.yaml`.
func parse(_ text: String, overrides: [String] = []) throws -> JobConfig {
    try ConfigLoader.parse(text, source: "test.yaml", overrides: overrides)
}

/// The `ConfigError` thrown when parsing `text` (with `overrides`), recording an issue if it
/// succeeds or throws another error type.
func configError(_ text: String, overrides: [String] = [],
                 sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        let config = try parse(text, overrides: overrides)
        Issue.record("expected a ConfigError, but the config parsed: \(config)", sourceLocation: sourceLocation)
        return nil
    } catch let error as ConfigError {
        return error
    } catch {
        Issue.record("expected a ConfigError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A fresh, empty temporary directory for one test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-train-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
