import Testing
@testable import TandemTrain

/// Config errors carry the key path they are about as data (not only in the message), and the
/// origin (`--set KEY` or the file) is chosen from that key path.
@Suite struct ConfigKeyPathTests {
    @Test(arguments: [
        ("train.epochs=0", "train.epochs"),
        ("train.lrr=1", "train.lrr"),
        ("model.hidden=[64,[32]]", "model.hidden[1]"),
        ("train.optimizer.name=rmsprop", "train.optimizer.name"),
        ("model.dropout=1.5", "model.dropout"),
        ("train.class_weight={'a b': -1}", "train.class_weight.a b"),
        ("data.split.test=2", "data.split.test"),
        ("parallel.tensor=0", "parallel.tensor"),
    ])
    func setErrorsCarryTheirKeyPath(_ override: String, _ keyPath: String) throws {
        let error = try #require(configError(minimalYAML, overrides: [override]))
        #expect(error.keyPath == keyPath, "\(error)")
        #expect(error.description.hasPrefix("--set "), "\(error)")
        #expect(!error.description.contains("test.yaml"), "\(error)")
    }

    /// The same errors from the file name the file, with the key path kept.
    @Test func fileErrorsKeepTheKeyPath() throws {
        let error = try #require(configError(minimalYAML + "\ntrain: {class_weight: {'a b': -1}}", overrides: ["train.epochs=3"]))
        #expect(error.keyPath == "train.class_weight.a b")
        #expect(error.description == "test.yaml: train.class_weight.a b: weight -1.0 must be a finite number > 0", "\(error)")
    }

    /// A message that does not start with a key path gets no key path, and the file as origin.
    @Test func anErrorOfNoKeyIsTheFiles() throws {
        let error = try #require(configError("name: q\n"))
        #expect(error.keyPath == nil)
        #expect(error.description == "test.yaml: the 'data' section is required", "\(error)")
    }
}
