import Foundation
import Testing
import TandemArtifact
import TandemData
import TandemMetrics
import TandemModel
import TandemTensor
@testable import TandemTrain

/// `tandem predict` / `tandem evaluate` on the test split's rows, read back from the data file,
/// equal the training run's own evaluation of that split (the path `Evaluator` takes on one rank:
/// the prepared features through the network and the head).
@Suite struct ExportedPredictionTests {
    func check(_ example: String) throws {
        var config = try ConfigLoader.load(path: Examples.root.appendingPathComponent("\(example).yaml").path)
        config.data.path = Examples.root.appendingPathComponent("data").appendingPathComponent(URL(fileURLWithPath: config.data.path).lastPathComponent).path
        let data = try PreparedData.prepare(config.data)
        let head = LossHead(classes: data.classes?.count)
        let net = try Network(spec: NetworkSpec(inputs: data.train.x.cols, hidden: config.model.hidden, outputs: head.outputs,
                                                activation: config.model.activation))
        try Initializer.initialize(net.arena, scheme: config.model.initScheme, seed: 5)
        // The run's own evaluation of the test split (a scaled regression target back in its units).
        var own = head.probabilities(try net.predict(data.test.x))
        if data.classes == nil, let scaling = data.test.targetScaling { scaling.unscale(&own.values) }
        let ownMetrics: [(String, Double)] = if let classes = data.classes {
            ClassificationMetrics.compute(probabilities: own, labels: data.test.labels, classLabels: classes).scalars
        } else {
            RegressionMetrics.compute(predictions: own.values, targets: data.test.targets).scalars
        }
        let manifest = ArtifactManifest(
            name: config.name, task: config.data.task, preprocessing: data.preprocessor, classes: data.classes, target: config.data.target,
            architecture: .init(kind: config.model.kind.rawValue, widths: net.spec.widths, activation: config.model.activation.rawValue,
                                output: head == .binaryCrossEntropy ? "sigmoid" : data.classes == nil ? "identity" : "softmax"),
            metrics: [:], lineage: .init(dataSHA256: "", paramsSHA256: net.arena.sha256, seed: 5, tandemVersion: TandemInfo.version, config: ""))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ModelArtifact(manifest: manifest, tensors: net.arena.tensors()).write(to: dir.appendingPathComponent("model").path)
        let predictor = try Predictor(ModelArtifact.load(dir.appendingPathComponent("model").path))

        // The test split's rows as their own CSV file (the data file's lines, in split order).
        // Split on LF bytes (a String splits CRLF as one character); a CR stays with its line.
        let lines = try Data(contentsOf: URL(fileURLWithPath: config.data.path)).split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        let table = try predictor.load(config.data.path)
        let testCSV = ([lines[0]] + data.test.sourceRows.map { lines[table.lineNumbers[$0] - 1] }).joined(separator: "\n") + "\n"
        let testPath = dir.appendingPathComponent("test.csv").path
        try Data(testCSV.utf8).write(to: URL(fileURLWithPath: testPath))

        let testTable = try predictor.load(testPath)
        let predicted = try predictor.outputs(table: testTable, rows: Array(0..<testTable.rowCount))
        #expect(predicted.values.map(\.bitPattern) == own.values.map(\.bitPattern), "\(example): predictions differ from the run's evaluation")
        let metrics = try predictor.evaluate(table: testTable)
        #expect(metrics.map(\.0) == ownMetrics.map(\.0))
        #expect(metrics.map(\.1) == ownMetrics.map(\.1), "\(example): tandem evaluate \(metrics) vs the run's \(ownMetrics)")
        var streamed: [UInt8] = []
        _ = try StreamingPredictor(predictor).predictCSV(path: testPath) { streamed += $0 }
        #expect(String(decoding: streamed, as: UTF8.self) == (try predictor.csv(table: testTable)))
    }

    @Test func digits() throws { try check("digits") }
    @Test func breastCancer() throws { try check("breast_cancer") }
    @Test func irisRegression() throws { try check("iris-regression") }
}
