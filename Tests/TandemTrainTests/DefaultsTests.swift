import Foundation
import Testing
@testable import TandemTrain

/// The defaults README.md shows are the defaults the code applies.
@Suite struct DefaultsTests {
    static let readme = Examples.root.deletingLastPathComponent().appendingPathComponent("README.md")

    /// The first ```yaml block after "## Config" in README.md.
    static func readmeConfigBlock() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.range(of: "\n## Config\n"))
        let open = try #require(text.range(of: "```yaml\n", range: section.upperBound..<text.endIndex))
        let close = try #require(text.range(of: "\n```", range: open.upperBound..<text.endIndex))
        return String(text[open.upperBound..<close.lowerBound])
    }

    @Test func readmeConfigBlockIsExactlyTheDefaults() throws {
        let shown = try ConfigLoader.parse(try Self.readmeConfigBlock(), source: "README.md")
        let minimal = try ConfigLoader.parse("data:\n  path: \(shown.data.path)\n  target: \(shown.data.target)\n  task: \(shown.data.task.rawValue)\n",
                                             source: "minimal.yaml")
        #expect(shown == minimal, "README.md's config block and the defaults differ:\nREADME: \(shown)\ndefaults: \(minimal)")
    }

    @Test func earlyStoppingIsOnByDefaultOffWithoutAValidationSplitAndCanBeTurnedOff() throws {
        #expect(try parse(minimalYAML).train.earlyStopping == .standard)
        #expect(try parse(minimalYAML + "\n  split: {validation: 0}").train.earlyStopping == nil)
        for off in ["false", "off", "null"] {
            #expect(try parse(minimalYAML, overrides: ["train.early_stopping=\(off)"]).train.earlyStopping == nil, "\(off)")
        }
        // Off survives the resolved config.yaml (leaving the key out would read back as on).
        let c = try parse(minimalYAML, overrides: ["train.early_stopping=false"])
        #expect(try parse(ConfigLoader.yaml(c)) == c)
        let error = try #require(configError(minimalYAML, overrides: ["train.early_stopping=sometimes"]))
        #expect(error.description.contains("train.early_stopping"), "\(error)")
    }
}
