import TandemFormats
import TandemMetrics
import TandemModel
import TandemTensor

/// What a run writes besides its checkpoints, on world rank 0: metrics.jsonl, the TensorBoard
/// events, predictions.csv, params.safetensors, the exported model and summary.json last. The
/// trainer decides what is recorded and when; the recorder (TandemRecord's `RunFiles`) how and
/// where it is written, so training itself depends on no file format of a run's results.
public protocol RunRecorder: AnyObject {
    /// Opens the run directory at `directory` once the job is set up: a fresh run replaces what
    /// a previous run wrote there; a resumed one keeps the first `keepMetricsLines` metrics
    /// lines and the events written up to them. Writes `config.yaml` (`resolvedConfig`).
    func open(directory: String, resolvedConfig: String, keepMetricsLines: Int?) throws
    /// Lines of metrics.jsonl written so far (a checkpoint records them; a resume keeps as many).
    var metricsLines: Int { get }
    /// Appends `line` to metrics.jsonl and `scalars` to the TensorBoard events at `step`.
    func record(_ line: JSONValue, scalars: [(tag: String, value: Double)], step: Int) throws
    /// Flushes the TensorBoard events.
    func flush() throws
    /// Writes a regression's test predictions (`predictions.csv`, the CSV text).
    func writePredictions(_ csv: String) throws
    /// Rank 0's report of an epoch (`line`), `fraction` of the epochs done: a progress bar or a line.
    func showEpoch(_ line: String, fraction: Double, final: Bool)
    /// Writes the run's results: `params.safetensors`, the exported model, the events, and
    /// `summary.json` last (a run directory without it is not a finished run).
    func finish(_ model: TrainedModel, summary: JSONValue) throws
}

/// A trained model as the trainer hands it to the recorder for export: the whole model's
/// tensors and what describes them.
public struct TrainedModel {
    public let config: JobConfig
    /// The resolved config (YAML) the run trained with.
    public let resolvedConfig: String
    public let spec: NetworkSpec
    /// The output activation: `sigmoid` (binary), `softmax` (classes) or `identity` (regression).
    public let output: String
    public let data: PreparedData
    public let paramsSHA256: String
    /// The test split's metrics (empty without a test split).
    public let testMetrics: [String: Double]
    /// The whole model's parameters, by arena name.
    public let tensors: [NamedTensor]
    /// The `init_from` model it started from: its directory and `params_sha256`.
    public let initFrom: (path: String, paramsSHA256: String)?
}
