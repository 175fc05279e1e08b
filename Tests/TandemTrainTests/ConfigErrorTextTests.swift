import Foundation
import Testing
import TestSupport
@testable import TandemTrain

/// What a user reads when a config or a `--set` flag is wrong: the origin (file:line or the
/// flag), the key path, what was expected and what was found, in plain words.
@Suite struct ConfigErrorTextTests {
    @Test(arguments: [
        ("model.hidden=64", "--set model.hidden: expected a list of integers like [64, 32], got 64"),
        ("model.hidden=[64,[32]]", "--set model.hidden: model.hidden[1]: expected a single value in this list, not a list or mapping, got [32]"),
        ("train.epochs=[3]", "--set train.epochs: expected a single value, not a list or mapping, got [3]"),
        ("train.epochs=abc", "--set train.epochs: expected an integer, got abc"),
        ("train.optimizer.lr=fast", "--set train.optimizer.lr: expected a number, got fast"),
        ("train.optimizer=adam", "--set train.optimizer: expected a mapping of keys to values like {key: value}, got adam"),
        ("train.epochs=0", "--set train.epochs: 0 must be at least 1"),
        ("train.lrr=1", "--set train.lrr: unknown key 'train.lrr'"),
        ("data.features=a", "--set data.features: expected a list of column names like [age, income], got a"),
    ])
    func setErrorsNameTheFlagAndSayWhatWasExpected(_ override: String, _ expected: String) throws {
        let error = try #require(configError(minimalYAML, overrides: [override]))
        #expect(error.description.hasPrefix(expected), "\(error)")
        #expect(!error.description.contains("test.yaml"), "the file did not cause it: \(error)")
        #expect(!error.description.contains("Expected to decode") && !error.description.contains("Node"), "decoder text: \(error)")
    }

    @Test func fileErrorsStillNameTheFile() throws {
        let error = try #require(configError(minimalYAML + "\nmodel: {hidden: 64}", overrides: ["train.epochs=3"]))
        #expect(error.description == "test.yaml: model.hidden: expected a list of integers like [64, 32], got 64", "\(error)")
    }

    @Test func unclosedQuoteIsReportedWhereItOpens() throws {
        let text = "name: q\ndata:\n  path: \"d.csv\n  target: y\n  task: classification\n"
        let error = try #require(configError(text))
        #expect(error.description.hasPrefix("test.yaml:3:9: "), "\(error)")
        #expect(error.description.contains("never closed"), "\(error)")
    }

    @Test(arguments: [(0.1, "0.1"), (600, "600.0"), (1e-8, "1.0e-08"), (-2.5e-5, "-2.5e-05"), (1e20, "1.0e+20"), (0, "0.0")])
    func floatsHaveAPointAndASignedExponent(_ value: Double, _ text: String) {
        #expect(PortableYAML.float(value) == text)
        #expect(Double(PortableYAML.float(value)) == value)
    }

    @Test func resolvedConfigRoundTripsWithItsFloats() throws {
        let c = try parse(minimalYAML + "\ntrain: {optimizer: {lr: 0.1, eps: 1e-8}, collective_timeout: 600}")
        let text = try ConfigLoader.yaml(c)
        #expect(!text.contains("1e-1") && !text.contains("6e+2"), "\(text)")
        #expect(try parse(text) == c)
    }

    /// PyYAML implements YAML 1.1, where `1e-1` is a string; config.yaml must read as floats.
    @Test func pyYAMLReadsConfigFloatsAsFloats() throws {
        guard python3(["-c", "import yaml"])?.status == 0 else {
            print("skipped: python3 with PyYAML not available"); return
        }
        let c = try parse(minimalYAML + "\ntrain: {optimizer: {lr: 0.1, eps: 1e-8}, collective_timeout: 600}")
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("config.yaml")
        try ConfigLoader.yaml(c).write(to: file, atomically: true, encoding: .utf8)
        let script = """
        import sys, yaml
        c = yaml.safe_load(open(sys.argv[1]))
        o, t = c['train']['optimizer'], c['train']
        for v in (o['lr'], o['eps'], o['beta2'], o['weight_decay'], t['collective_timeout'], c['data']['split']['validation']):
            assert isinstance(v, float), repr(v)
        print(o['lr'], o['eps'], t['collective_timeout'])
        """
        let result = try #require(python3(["-c", script, file.path]))
        #expect(result.status == 0, "PyYAML read a float as something else: \(result.output)")
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1 1e-08 600.0")
    }
}
