import TandemFormats
import TandemTensor

/// A model artifact that cannot be written, read or used, or models that cannot be compared or
/// served together: `reason` says what is wrong and where (file, field, tensor, column).
public struct ArtifactError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// `file` of the model directory `directory` is missing or unreadable.
        case missingFile(directory: String, file: String)
        /// `path` (a model.json) does not decode as a manifest.
        case invalidManifest(path: String, detail: String)
        /// `path` (a model.json) has a format version this tandem does not read.
        case unsupportedFormat(path: String, version: Int, supported: Int)
        /// `field` of `file` (a model.json) is wrong, as `problem` says.
        case invalidField(file: String, field: String, problem: String)
        /// `path` (a model.safetensors) is not a valid safetensors file.
        case invalidWeights(path: String, SafeTensorsError)
        /// Value `index` of `tensor` in `path` is not finite.
        case nonFiniteWeight(path: String, tensor: String, index: Int, value: Float)
        /// The weights `file` lacks `tensor`.
        case missingTensor(file: String, tensor: String)
        /// The network the manifest describes cannot hold the weights.
        case weightsDoNotFit(detail: String)
        /// The SHA-256 of what `path` holds is `computed`, but model.json's `field` records `recorded`.
        case checksumMismatch(path: String, field: String, computed: String, recorded: String)
        /// Writing the artifact to `directory` failed.
        case cannotWrite(directory: String, detail: String)
        /// The input file `path` lacks the model's feature `column`; `features` are the model's.
        case missingColumn(path: String, column: String, features: [String])
        /// The input file `file` has no rows to compare.
        case noRows(file: String)
        /// The model in `directory` has no training histograms.
        case noHistograms(directory: String)
        /// The features' quantile grids have these lengths, not one length of at least 2.
        case quantileGridLengths([Int])
        /// Two compared models solve different tasks.
        case differentTasks(a: String, taskA: String, b: String, taskB: String)
        /// Two compared models predict different targets.
        case differentTargets(a: String, targetA: String, b: String, targetB: String)
        /// `metric` is not one of the task's `valid` metrics.
        case unknownMetric(metric: String, task: String, valid: [String])
        /// `metric` has no value for model `model` on `input`; `available` has.
        case metricUnavailable(metric: String, model: String, input: String, available: [String])
        /// A server was given no model.
        case noModels
        /// Two served models share `name`.
        case duplicateModelName(String)
        /// `name` cannot appear in a URL.
        case invalidModelName(String)
        /// Server limits that cannot work (`detail` names them).
        case invalidServeOptions(detail: String)
    }

    /// What is wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .missingFile(let d, let f):
            "\(d): \(f) is missing or unreadable (is this a model directory from tandem export?)"
        case .invalidManifest(let path, let detail):
            "\(path) is not a valid model manifest: \(detail)"
        case .unsupportedFormat(let path, let version, let supported):
            "\(path): format_version \(version) is not supported (this tandem reads \(supported))"
        case .invalidField(let file, _, let problem):
            "\(file): \(problem)"
        case .invalidWeights(let path, let error):
            "\(path): \(error)"
        case .nonFiniteWeight(let path, let tensor, let index, let value):
            "\(path): tensor '\(tensor)' value \(index) is \(value) (weights must be finite)"
        case .missingTensor(let file, let tensor):
            "\(file): no tensor '\(tensor)'"
        case .weightsDoNotFit(let detail):
            "model.safetensors does not match model.json: \(detail)"
        case .checksumMismatch(let path, let field, let computed, let recorded):
            field == "params_sha256"
                ? "\(path): the weights' SHA-256 is \(computed), but model.json records params_sha256 \(recorded) (the weights were changed or damaged)"
                : "\(path): the preprocessing's SHA-256 is \(computed), but \(field) records \(recorded) (the preprocessing values were changed or damaged)"
        case .cannotWrite(let d, let detail):
            "cannot write the model to \(d): \(detail)"
        case .missingColumn(let path, let column, let features):
            "\(path): the model needs the column '\(column)', which the file does not have (the model's \(features.count) feature columns: \(features.prefix(8).joined(separator: ", "))\(features.count > 8 ? ", ..." : ""))"
        case .noRows(let file):
            "\(file): no rows to compare with the training distribution"
        case .noHistograms(let d):
            "\(d)/model.json has no training histograms (it was exported before drift monitoring); retrain to get them"
        case .quantileGridLengths(let lengths):
            "the quantile grids of the features differ in length or have fewer than 2 values (\(lengths)); the ONNX export needs one length"
        case .differentTasks(let a, let ta, let b, let tb):
            "the models solve different tasks: A (\(a)) is \(ta), B (\(b)) is \(tb); compare models of one task"
        case .differentTargets(let a, let ta, let b, let tb):
            "the models predict different targets: A (\(a)) predicts '\(ta)', B (\(b)) predicts '\(tb)'; compare models of one target"
        case .unknownMetric(let metric, let task, let valid):
            "--metric '\(metric)' is not a \(task) metric; valid: \(valid.joined(separator: ", "))"
        case .metricUnavailable(let metric, let model, let input, let available):
            "--metric \(metric) has no value for model \(model) on \(input) (roc_auc needs a binary task with both classes present); available: \(available.joined(separator: ", "))"
        case .noModels:
            "no model to serve"
        case .duplicateModelName(let name):
            "two models are named '\(name)'; give each a different name (--model name=path)"
        case .invalidModelName(let name):
            "model name '\(name)' must be ASCII letters, digits, '.', '_' or '-' (it appears in URLs); serve it under another name with --model NAME=path"
        case .invalidServeOptions(let detail):
            detail
        }
    }
}
