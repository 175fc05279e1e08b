import Foundation
import TandemData
import TandemMetrics
import TandemModel
import TandemTensor

/// Predictions from a loaded artifact with exactly its training preprocessing, no MPI.
public final class Predictor {
    public let artifact: ModelArtifact
    let network: Network
    let head: LossHead
    /// The dense weights transposed once (the forward pass reads them; never changed after load).
    public let inferenceWeights: InferenceWeights

    /// A predictor for `artifact`; with `sharing`, the transposed weights of another predictor
    /// of the same artifact (`inferenceWeights`), so that a model keeps one copy of them.
    public init(_ artifact: ModelArtifact, sharing: InferenceWeights? = nil) throws {
        self.artifact = artifact
        network = try artifact.network()
        head = LossHead(classes: artifact.manifest.task == .classification ? artifact.manifest.classes?.count : nil)
        inferenceWeights = sharing ?? InferenceWeights(network)
        network.useInferenceWeights(inferenceWeights)
    }

    /// Outputs for `rows` of `table` (feature columns looked up by name): probabilities
    /// `[rows, classes]` for classification, values `[rows, 1]` for regression.
    /// A missing feature column is an error naming it; unknown categories encode as zeros and
    /// missing values take the fitted imputation.
    public func outputs(table: Table, rows: [Int]) throws -> Matrix {
        let x = try artifact.manifest.preprocessing.transform(table: table, rows: rows)
        return try outputs(encoded: x)
    }

    /// Outputs for encoded rows `x` `[rows, encoded inputs]`: probabilities, or regression
    /// values in the target's units (un-scaled when the model was trained on a scaled target).
    public func outputs(encoded x: Matrix) throws -> Matrix {
        var out = head.probabilities(try network.predict(x))
        if head == .meanSquaredError(outputs: 1), let scaling = artifact.manifest.preprocessing.target {
            scaling.unscale(&out.values)
        }
        return out
    }

    /// Reads `path` (CSV or .npy) with the artifact's column kinds; a feature column the file
    /// lacks is an error naming it (the first, in the model's feature order).
    public func load(_ path: String) throws -> Table {
        let inferred = try Table.load(path: path)
        try requireFeatures(in: inferred.names, path: path)
        let kinds = artifact.manifest.preprocessing.kinds
        if kinds.allSatisfy({ name, kind in inferred.kinds[name] == kind }) { return inferred }
        return try Table.load(path: path, kinds: kinds)
    }

    /// Throws `ArtifactError` naming the first model feature (in the model's order) that the
    /// columns `names` of the file `path` lack.
    func requireFeatures(in names: [String], path: String) throws {
        let features = artifact.manifest.features
        let present = Set(names)
        if let missing = features.first(where: { !present.contains($0.name) }) {
            throw ArtifactError(.missingColumn(path: path, column: missing.name, features: features.map(\.name)))
        }
    }

    /// Predictions as CSV text: a `prediction` column (class label or value) and, for
    /// classification, one `prob_<label>` column per class.
    public func csv(table: Table) throws -> String {
        let out = try outputs(table: table, rows: Array(0..<table.rowCount))
        let format = PredictionCSV(manifest: artifact.manifest)
        var bytes = format.header
        format.append(out, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Metrics on a labelled table (its target column named as at training).
    public func evaluate(table: Table) throws -> [(String, Double)] {
        let m = artifact.manifest
        let rows = Array(0..<table.rowCount)
        let out = try outputs(table: table, rows: rows)
        if m.task == .classification, let classes = m.classes {
            let encoder = TargetEncoder(task: .classification, classes: classes)
            let labels = try encoder.encodeLabels(table: table, target: m.target, rows: rows)
            return ClassificationMetrics.compute(probabilities: out, labels: labels, classLabels: classes).scalars
        }
        let targets = try TargetEncoder(task: .regression, classes: []).encodeValues(table: table, target: m.target, rows: rows)
        return RegressionMetrics.compute(predictions: out.values, targets: targets).scalars
    }

    /// RFC 4180 quoting when needed.
    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
