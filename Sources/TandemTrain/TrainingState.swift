import TandemMetrics

/// Where training is and the running sums it needs; saved in every checkpoint so a resumed run
/// continues exactly where the saved one was.
///
/// Encoded at the level of the checkpoint manifest that holds it (`CheckpointManifest.state`):
/// its keys (`step`, `epoch`, `batch`, `epoch_loss_sum`, ..., `metric_name`, `metric_value`)
/// sit next to the manifest's own, exactly where the manifest's fields were before the state
/// was a type of its own, so checkpoints written before and after read the same. The monitored
/// metric is written as its qualified name (`val_loss`); a name that does not parse reads as no
/// metric, as it did when the manifest held the name as text.
public struct TrainingState: Codable, Equatable, Sendable {
    /// Optimizer steps done.
    public var step = 0
    /// Position: epoch (0-based) and the next global batch within it. `batch` equal to the number
    /// of batches means the epoch's batches are done but its end (evaluation) is not.
    public var epoch = 0
    public var batch = 0
    /// Running sums of the epoch in progress.
    public var epochLossSum = 0.0
    public var epochSamples = 0
    public var epochSeconds = 0.0
    /// Whole-run training time and samples (no start-up, no evaluation).
    public var trainSeconds = 0.0
    public var samples = 0
    public var lastGradNorm = 0.0
    /// The duration of every step of the run (`train_seconds` is their sum); written only when
    /// a step was recorded, so a checkpoint from before has none and a run resumed from it
    /// counts the steps since (`step_seconds.steps` in summary.json says how many).
    public var stepTimes = StepTimeHistogram()
    /// The latest validation (or train) value of the monitored metric (for keep_best).
    public var metric: SplitMetric?
    public var metricValue: Double?
    /// Training ended (epochs, max_steps or early stopping); a resume goes straight to the end.
    public var finished = false
    public var stoppedEarly = false

    public init(step: Int = 0, epoch: Int = 0, batch: Int = 0, epochLossSum: Double = 0, epochSamples: Int = 0,
                epochSeconds: Double = 0, trainSeconds: Double = 0, samples: Int = 0, lastGradNorm: Double = 0,
                metric: SplitMetric? = nil, metricValue: Double? = nil, finished: Bool = false, stoppedEarly: Bool = false) {
        self.step = step
        self.epoch = epoch
        self.batch = batch
        self.epochLossSum = epochLossSum
        self.epochSamples = epochSamples
        self.epochSeconds = epochSeconds
        self.trainSeconds = trainSeconds
        self.samples = samples
        self.lastGradNorm = lastGradNorm
        self.metric = metric
        self.metricValue = metricValue
        self.finished = finished
        self.stoppedEarly = stoppedEarly
    }

    enum CodingKeys: String, CodingKey {
        case step, epoch, batch, epochLossSum = "epoch_loss_sum", epochSamples = "epoch_samples"
        case epochSeconds = "epoch_seconds", trainSeconds = "train_seconds", samples, lastGradNorm = "last_grad_norm"
        case metricName = "metric_name", metricValue = "metric_value", finished, stoppedEarly = "stopped_early"
        case stepTimes = "step_times"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        epoch = try c.decode(Int.self, forKey: .epoch)
        batch = try c.decode(Int.self, forKey: .batch)
        epochLossSum = try c.decode(Double.self, forKey: .epochLossSum)
        epochSamples = try c.decode(Int.self, forKey: .epochSamples)
        epochSeconds = try c.decode(Double.self, forKey: .epochSeconds)
        trainSeconds = try c.decode(Double.self, forKey: .trainSeconds)
        samples = try c.decode(Int.self, forKey: .samples)
        lastGradNorm = try c.decode(Double.self, forKey: .lastGradNorm)
        metric = try c.decodeIfPresent(String.self, forKey: .metricName).flatMap(SplitMetric.init(qualified:))
        metricValue = try c.decodeIfPresent(Double.self, forKey: .metricValue)
        finished = try c.decode(Bool.self, forKey: .finished)
        stoppedEarly = try c.decode(Bool.self, forKey: .stoppedEarly)
        stepTimes = try c.decodeIfPresent(StepTimeHistogram.self, forKey: .stepTimes) ?? StepTimeHistogram()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(batch, forKey: .batch)
        try c.encode(epochLossSum, forKey: .epochLossSum)
        try c.encode(epochSamples, forKey: .epochSamples)
        try c.encode(epochSeconds, forKey: .epochSeconds)
        try c.encode(trainSeconds, forKey: .trainSeconds)
        try c.encode(samples, forKey: .samples)
        try c.encode(lastGradNorm, forKey: .lastGradNorm)
        try c.encodeIfPresent(metric?.qualified, forKey: .metricName)
        try c.encodeIfPresent(metricValue, forKey: .metricValue)
        try c.encode(finished, forKey: .finished)
        try c.encode(stoppedEarly, forKey: .stoppedEarly)
        if stepTimes.count > 0 { try c.encode(stepTimes, forKey: .stepTimes) }
    }
}

/// How the optimization loop ended.
enum LoopEnd {
    case finished
    /// Stopped by a signal (nil: by --stop-at-step) after writing the checkpoint at `checkpoint`.
    case interrupted(signal: Int32?, checkpoint: String)
}
