import Foundation
import TandemFormats
import Testing
import TandemData
import TandemModel
import TandemTensor
@testable import TandemArtifact

/// `ModelComparison`: two models on the same labelled file, and the promotion decision.
@Suite struct ModelComparisonTests {
    /// Labelled rows: `x` and the class `pos` when x > 0, else `neg`; the regression target `y = 2x`.
    static let csv = "x,label,y\n-2,neg,-4\n-1,neg,-2\n-0.5,neg,-1\n0.5,pos,1\n1,pos,2\n2,pos,4\n"

    /// A one-input logistic (binary) or linear model `w * x + b`, with no scaling.
    static func model(task: Task, weight: Float, bias: Float = 0) throws -> Predictor {
        let t = try Table(csv: try CSVReader.parse(Data(csv.utf8), file: "t.csv"), file: "t.csv")
        let pre = try Preprocessor.fit(table: t, features: ["x"], rows: Array(0..<6), options: PreprocessOptions(scale: .none))
        let net = try Network(spec: NetworkSpec(inputs: 1, hidden: [], outputs: 1, activation: .identity))
        try net.arena.load([NamedTensor(name: "layers.0.weight", shape: [1, 1], values: [weight]),
                            NamedTensor(name: "layers.0.bias", shape: [1], values: [bias])])
        let classification = task == .classification
        let manifest = ArtifactManifest(
            name: "w\(weight)", task: task, preprocessing: pre, classes: classification ? ["neg", "pos"] : nil,
            target: classification ? "label" : "y",
            architecture: .init(kind: classification ? "logistic" : "linear", widths: [1, 1], activation: "identity",
                                output: classification ? "sigmoid" : "identity"),
            metrics: [:], lineage: .init(dataSHA256: "", paramsSHA256: net.arena.sha256, seed: 0, tandemVersion: "test", config: ""))
        return try Predictor(ModelArtifact(manifest: manifest, tensors: net.arena.tensors()))
    }

    /// Writes `text` to a temporary file and returns its path.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-compare-\(UUID().uuidString).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theBetterModelIsPromotedWithItsMargin() throws {
        let input = try Self.file(Self.csv)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let good = try Self.model(task: .classification, weight: 5), bad = try Self.model(task: .classification, weight: -5)
        let keep = try ModelComparison.evaluate(good, bad, input: input)
        #expect(keep.metric == "accuracy" && keep.rows == 6)
        #expect(keep.values.a == 1 && keep.values.b == 0 && !keep.promoteB && keep.margin == 1)
        #expect(keep.report(nameA: "good", nameB: "bad").contains("keep A (good): accuracy 1.0000 vs 0.0000, better by 1.0000"))

        let promote = try ModelComparison.evaluate(bad, good, input: input, metric: "log_loss")
        #expect(promote.direction == .minimize && promote.promoteB)
        let report = promote.report(nameA: "bad", nameB: "good")
        #expect(report.contains("promote B (good): log_loss"))
        #expect(report.contains("log_loss *") && report.contains("roc_auc"), "every metric side by side:\n\(report)")

        let tie = try ModelComparison.evaluate(good, good, input: input, metric: "roc_auc")
        #expect(!tie.promoteB && tie.margin == 0 && tie.report(nameA: "a", nameB: "b").contains("ties"))
    }

    @Test func regressionDefaultsToR2() throws {
        let input = try Self.file(Self.csv)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let exact = try Self.model(task: .regression, weight: 2), off = try Self.model(task: .regression, weight: 2, bias: 1)
        let c = try ModelComparison.evaluate(off, exact, input: input)
        #expect(c.metric == "r2" && c.direction == .maximize && c.promoteB && c.values.b == 1)
        let mae = try ModelComparison.evaluate(off, exact, input: input, metric: "mae")
        #expect(mae.promoteB && abs(mae.margin - 1) < 1e-6)
    }

    @Test func errorsNameWhatIsWrong() throws {
        let input = try Self.file(Self.csv)
        let noTarget = try Self.file("x\n1\n")
        let noFeature = try Self.file("label\npos\n")
        defer { for f in [input, noTarget, noFeature] { try? FileManager.default.removeItem(atPath: f) } }
        let cls = try Self.model(task: .classification, weight: 1), reg = try Self.model(task: .regression, weight: 1)
        func message(_ a: Predictor, _ b: Predictor, _ file: String, _ metric: String? = nil) -> String {
            do { _ = try ModelComparison.evaluate(a, b, input: file, metric: metric); return "" } catch { return "\(error)" }
        }
        #expect(message(cls, reg, input).contains("different tasks"))
        let other = try Self.model(task: .classification, weight: 2)
        var otherTarget = other.artifact
        otherTarget.manifest.target = "other_label"
        let retargeted = try Predictor(otherTarget)
        #expect(message(cls, retargeted, input).contains("different targets: A (w1.0) predicts 'label', B (w2.0) predicts 'other_label'"))
        let bad = message(cls, cls, input, "r2")
        #expect(bad.contains("'r2' is not a classification metric") && bad.contains("accuracy, precision"), "\(bad)")
        #expect(message(reg, reg, input, "accuracy").contains("valid: loss, mse, mae, r2"))
        #expect(message(cls, cls, noTarget).contains("label"), "the missing target column is named")
        #expect(message(cls, cls, noFeature).contains("'x'"), "the missing feature column is named")
    }
}
