import Foundation
import Testing
import TandemArtifact
import TandemData
import TandemModel
import TandemRecord
import TandemTensor
@testable import TandemTrain

/// `init_from`: the artifact's preprocessing is reused, and an incompatible model is refused
/// before training, naming the field.
@Suite struct WarmStartTests {
    static func irisYAML(_ initFrom: String, extra: String = "") -> String {
        """
        data:
          path: '\(Examples.iris)'
          target: species
          task: classification
          split: {validation: 0.2, test: 0.2, method: stratified, seed: 7}
        \(extra)
        init_from: '\(initFrom)'
        """
    }

    /// Writes an iris model (preprocessing fitted on the first 20 rows only, so a refit would
    /// differ) with `hidden` layers and `classes` into a fresh directory.
    static func artifact(hidden: [Int] = [], activation: Activation = .relu, kind: String = "logistic",
                         classes: [String] = ["setosa", "versicolor", "virginica"], in dir: URL) throws -> ModelArtifact {
        let table = try Table.load(path: Examples.iris)
        let pre = try Preprocessor.fit(table: table, features: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
                                       rows: Array(0..<20), options: PreprocessOptions())
        let outputs = LossHead(classes: classes.count).outputs
        let net = try Network(spec: NetworkSpec(inputs: pre.outputWidth, hidden: hidden, outputs: outputs, activation: activation))
        try Initializer.initialize(net.arena, scheme: .xavier, seed: 5)
        let manifest = ArtifactManifest(
            name: "iris", task: .classification, preprocessing: pre, classes: classes, target: "species",
            architecture: .init(kind: kind, widths: net.spec.widths, activation: activation.rawValue, output: outputs == 1 ? "sigmoid" : "softmax"),
            metrics: [:], lineage: .init(dataSHA256: "", paramsSHA256: net.arena.sha256, seed: 5, tandemVersion: "test", config: ""))
        let artifact = ModelArtifact(manifest: manifest, tensors: net.arena.tensors())
        try artifact.write(to: dir.appendingPathComponent("model").path)
        return artifact
    }

    /// The `ConfigError` message of a warm start with `yaml`, or "" (with an issue) if it is accepted.
    func refusal(_ yaml: String, overrides: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            _ = try WarmStart.prepare(parse(yaml, overrides: overrides), loader: ArtifactModelLoader())
            Issue.record("expected init_from to be refused", sourceLocation: sourceLocation)
            return ""
        } catch let e as ConfigError {
            return e.description
        } catch {
            Issue.record("expected a ConfigError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
            return ""
        }
    }

    @Test func compatibleModelIsReusedWithItsPreprocessingAndWeights() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let artifact = try Self.artifact(in: dir)
        // A run directory stands for its model/; --set init_from works like the key.
        let config = try parse(Self.irisYAML("unused"), overrides: ["init_from=\(dir.path)", "model.kind=logistic"])
        let (data, warm) = try WarmStart.prepare(config, loader: ArtifactModelLoader())
        let w = try #require(warm)
        #expect(w.directory == dir.appendingPathComponent("model").path)
        #expect(w.record.paramsSHA256 == artifact.manifest.lineage.paramsSHA256)
        #expect(data.preprocessor == artifact.manifest.preprocessing, "the preprocessing is the model's, not refitted")
        #expect(data.preprocessor != (try PreparedData.prepare(config.data)).preprocessor)
        #expect(data.classes == artifact.manifest.classes && data.drift.features.count == 4)
        let net = try Network(spec: NetworkSpec(inputs: 4, hidden: [], outputs: 3, activation: .relu))
        try w.load(into: net.arena)
        #expect(net.arena.sha256 == artifact.manifest.lineage.paramsSHA256)
        #expect(try ConfigLoader.yaml(config).contains("init_from: \(dir.path)"))
    }

    @Test func incompatibleModelsAreRefusedNamingTheField() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mlp = dir.appendingPathComponent("mlp"), logistic = dir.appendingPathComponent("logistic"), two = dir.appendingPathComponent("two")
        _ = try Self.artifact(hidden: [8], kind: "mlp", in: mlp)
        _ = try Self.artifact(in: logistic)
        _ = try Self.artifact(classes: ["setosa", "versicolor"], in: two)
        let m = mlp.path, l = logistic.path
        #expect(refusal(Self.irisYAML(m, extra: "model: {hidden: [16]}")).contains("model.hidden is [8] in that model, [16] here"))
        #expect(refusal(Self.irisYAML(m, extra: "model: {hidden: [8], activation: tanh}")).contains("model.activation is relu in that model, tanh here"))
        #expect(refusal(Self.irisYAML(l)).contains("model.kind is logistic in that model, mlp here"))
        #expect(refusal(Self.irisYAML(l, extra: "model: {kind: logistic}"), overrides: ["data.task=regression", "model.kind=linear", "data.target=petal_width"])
                    .contains("data.task is classification in that model, regression here"))
        let features = refusal(Self.irisYAML(l, extra: "model: {kind: logistic}"), overrides: ["data.features=[sepal_length, sepal_width, petal_length]"])
        #expect(features.contains("data.features") && features.contains("missing here: petal_width"), "\(features)")
        let kinds = refusal(Self.irisYAML(l, extra: "model: {kind: logistic}"), overrides: ["data.columns={sepal_width: categorical}"])
        #expect(kinds.contains("data.columns.sepal_width") && kinds.contains("numeric in that model, categorical here"), "\(kinds)")
        let classes = refusal(Self.irisYAML(two.path, extra: "model: {kind: logistic}"))
        #expect(classes.contains("'virginica'") && classes.contains("does not know"), "\(classes)")
        let absent = refusal(Self.irisYAML(dir.appendingPathComponent("nope").path))
        #expect(absent.contains("init_from: cannot use") && absent.contains("model.json is missing"), "\(absent)")
        for message in [features, kinds] { #expect(message.hasPrefix("init_from \(l)/model does not fit this config")) }
    }

    @Test func configRefusesAnEmptyPathAndTheExactSolver() {
        #expect(configError(minimalYAML + "\ninit_from: ''")?.description.contains("init_from") == true)
        let exact = configError(minimalYAML, overrides: ["data.task=regression", "model.kind=linear", "model.solver=exact", "init_from=m"])
        #expect(exact?.description.contains("init_from: model.solver exact") == true)
        #expect((try? parse(minimalYAML))?.initFrom == nil)
    }
}
