/// How to call `model.onnx`, as recorded in `model.json` (`onnx`): the input and output names
/// and what each of their columns is.
public struct ONNXInterface: Codable, Equatable, Sendable {
    /// `model.onnx`.
    public var file: String
    /// The one input, `features`: float32 `[N, inputColumns.count]`.
    public var input: String
    /// The input's columns in order: each numeric feature by name (raw; NaN = missing, which takes
    /// the fitted imputation) and each categorical feature as one-hot columns `name=category`
    /// (all zeros for an unseen category), or with `categorical: embedding` one column `name` holding
    /// the category's index in the feature's `categories` (NaN or any other value: the reserved
    /// row for missing and unseen values). Equal to the manifest's `encoded_inputs`.
    public var inputColumns: [String]
    /// `probabilities` (classification) or `value` (regression).
    public var output: String
    /// The output's columns: `prob_<label>` per class, or the single `value`.
    public var outputColumns: [String]
    /// The ONNX IR version of the file.
    public var irVersion: Int
    /// The default-domain operator set the graph imports.
    public var opset: Int

    /// The interface of the ONNX graph exported for `manifest`.
    public init(manifest: ArtifactManifest) {
        file = ONNXModel.fileName
        input = ONNXModel.inputName
        inputColumns = manifest.encodedInputs
        if manifest.task == .classification, let classes = manifest.classes {
            output = "probabilities"
            outputColumns = classes.map { "prob_\($0)" }
        } else {
            output = "value"
            outputColumns = ["value"]
        }
        irVersion = Int(ONNXModel.irVersion)
        opset = Int(ONNXModel.opset)
    }

    enum CodingKeys: String, CodingKey {
        case file, input, inputColumns = "input_columns", output, outputColumns = "output_columns"
        case irVersion = "ir_version", opset
    }
}
