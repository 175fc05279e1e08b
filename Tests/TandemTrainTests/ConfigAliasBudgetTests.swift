import Foundation
import Testing
@testable import TandemTrain

/// YAML alias expansion ("billion laughs", issue 18 finding 6): nine nested levels of ten aliases
/// kept `tandem train` at 100% CPU for about 90 s before an error; now refused at once.
@Suite struct ConfigAliasBudgetTests {
    /// `levels` anchors, each a list of ten aliases of the one before: 10^levels values.
    static func laughs(levels: Int) -> String {
        var lines = ["l0: &l0 [lol]"]
        for i in 1...levels { lines.append("l\(i): &l\(i) [" + Array(repeating: "*l\(i - 1)", count: 10).joined(separator: ",") + "]") }
        return lines.joined(separator: "\n") + "\n" + minimalYAML
    }

    @Test(arguments: [9, 12])
    func nestedAliasesAreRefusedQuickly(levels: Int) throws {
        let start = Date()
        #expect {
            _ = try ConfigLoader.parse(Self.laughs(levels: levels), source: "laughs.yaml")
        } throws: { error in
            "\(error)".contains("laughs.yaml: the config expands to more than 100000 values")
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func aliasInASetValueIsBounded() throws {
        #expect(throws: ConfigError.self) {
            _ = try ConfigLoader.parse(minimalYAML, source: "c.yaml", overrides: ["name=" + Self.laughs(levels: 9)])
        }
    }

    @Test func aFewAliasesStillWork() throws {
        let yaml = minimalYAML + "\ntrain: {epochs: &e 3, max_steps: *e}"
        let config = try ConfigLoader.parse(yaml, source: "c.yaml")
        #expect(config.train.epochs == 3 && config.train.maxSteps == 3)
    }
}
