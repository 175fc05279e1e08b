import Foundation
import TandemFormats
import TandemMetrics
import TandemReport
import TandemTensor
import TandemTrain

/// The files a training run writes besides its checkpoints, on world rank 0: `config.yaml`,
/// `metrics.jsonl` (through `RunDirectory`), the TensorBoard event file, `predictions.csv`,
/// `params.safetensors`, the exported model in `model/`, and `summary.json` last. The trainer
/// says what to record (`RunRecorder`); this says how it is written.
public final class RunFiles: RunRecorder {
    private var run: RunDirectory?
    private var events: TensorBoardWriter?

    public init() {}

    public func open(directory: String, resolvedConfig: String, keepMetricsLines: Int?) throws {
        let run = try RunDirectory(path: directory, keepMetricsLines: keepMetricsLines)
        self.run = run
        try run.write("config.yaml", resolvedConfig)
        try RunDirectory.recordSlurm(run, SlurmEnvironment.current())
        // Resuming: the event files keep only what was written up to the checkpoint, as
        // metrics.jsonl does (one scalar event per metrics line), so no point is repeated.
        if let kept = keepMetricsLines { try EventFileTrimming.keepFirst(kept, in: directory) }
        events = try TensorBoardWriter(directory: directory)
    }

    public var metricsLines: Int { run?.metricsLines ?? 0 }

    public func record(_ line: JSONValue, scalars: [(tag: String, value: Double)], step: Int) throws {
        try run?.appendMetrics(line)
        try events?.add(scalars: scalars, step: step)
    }

    public func flush() throws { try events?.flush() }

    public func writePredictions(_ csv: String) throws { try run?.write("predictions.csv", csv) }

    public func showEpoch(_ line: String, fraction: Double, final: Bool) {
        EpochProgress.show(line, fraction: fraction, final: final)
    }

    public func finish(_ model: TrainedModel, summary: JSONValue) throws {
        guard let run else { return }
        try run.write("params.safetensors", SafeTensors.encode(model.tensors, metadata: ["params_sha256": model.paramsSHA256,
                                                                                         "name": model.config.name]))
        try model.artifact.write(to: run.url.appendingPathComponent("model").path)
        try events?.flush()
        try run.write("summary.json", summary.renderedPretty() + "\n")
    }
}
