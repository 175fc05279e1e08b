import Testing
@testable import TandemTrain

/// Unknown keys at every level are errors naming the full key path.
@Suite struct ConfigUnknownKeyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        /// Appended to `minimalYAML` (or replacing it when `whole`).
        let yaml: String
        let path: String
        /// The suggestion expected in the message, if any.
        let hint: String?
        var testDescription: String { path }
    }

    static let cases: [Case] = [
        Case(yaml: "\ntrian: {epochs: 3}", path: "trian", hint: "train"),
        Case(yaml: "\ntrain: {optimzer: {name: sgd}}", path: "train.optimzer", hint: "optimizer"),
        Case(yaml: "\n  split: {sed: 3}", path: "data.split.sed", hint: "seed"),
        Case(yaml: "\n  preprocess: {scaling: standard}", path: "data.preprocess.scaling", hint: nil),
        Case(yaml: "\n  tagret: z", path: "data.tagret", hint: "target"),
        Case(yaml: "\nmodel: {hiden: [8]}", path: "model.hiden", hint: "hidden"),
        Case(yaml: "\ntrain: {early_stopping: {patients: 3}}", path: "train.early_stopping.patients", hint: "patience"),
        Case(yaml: "\ntrain: {schedule: {name: step, stepsize: 3}}", path: "train.schedule.stepsize", hint: "step_size"),
        Case(yaml: "\noutput: {dir: out, dri: x}", path: "output.dri", hint: "dir"),
    ]

    @Test(arguments: cases)
    func unknownKeyIsNamedByItsFullPath(_ c: Case) throws {
        let error = try #require(configError(minimalYAML + c.yaml))
        let text = error.description
        #expect(text.hasPrefix("test.yaml: "), "the source is named first: \(text)")
        #expect(text.contains("unknown key '\(c.path)'"), "\(text)")
        if let hint = c.hint {
            #expect(text.contains("did you mean '\(hint)'?"), "\(text)")
        } else {
            #expect(!text.contains("did you mean"), "\(text)")
        }
        #expect(text.contains("allowed here:"), "\(text)")
    }

    /// The reason, not the text, tells an unknown key from a bad value (tandem sweep checks its
    /// search keys by it).
    @Test(arguments: cases)
    func unknownKeyHasItsReason(_ c: Case) throws {
        #expect(try #require(configError(minimalYAML + c.yaml)).reason == .unknownKey)
    }

    @Test func setThroughAScalarIsAnUnknownKeyAndABadValueIsNot() throws {
        #expect(try #require(configError(minimalYAML, overrides: ["data.path.x=1"])).reason == .unknownKey)
        #expect(try #require(configError(minimalYAML, overrides: ["train.bogus=1"])).reason == .unknownKey)
        #expect(try #require(configError(minimalYAML, overrides: ["train.epochs=-3"])).reason == .other)
    }

    @Test func unknownKeyListsTheAllowedKeys() throws {
        let error = try #require(configError(minimalYAML + "\ntrain: {optimzer: {name: sgd}}"))
        let allowed = try #require(error.description.components(separatedBy: "allowed here: ").last)
        let keys = Set(allowed.components(separatedBy: ", "))
        for key in ["epochs", "max_steps", "batch_size", "optimizer", "schedule", "clip_grad_norm", "early_stopping", "seed", "eval_every"] {
            #expect(keys.contains(key), "\(key) missing from: \(error)")
        }
    }

    @Test(arguments: [("optimizer", "optimzer", 1), ("patience", "patients", 2), ("", "abc", 3), ("kitten", "sitting", 3), ("same", "same", 0)])
    func editDistance(_ a: String, _ b: String, _ expected: Int) {
        #expect(TandemTrain.editDistance(a, b) == expected)
        #expect(TandemTrain.editDistance(b, a) == expected)
    }
}
