import TandemMetrics

/// Where training is and the running sums it needs; saved in every checkpoint so a resumed run
/// continues exactly where the saved one was.
struct TrainingState {
    /// Optimizer steps done.
    var step = 0
    /// Current epoch (0-based) and the next global batch in it.
    var epoch = 0
    var batch = 0
    var epochLossSum = 0.0
    var epochSamples = 0
    var epochSeconds = 0.0
    /// Whole-run training time and samples (no start-up, no evaluation).
    var trainSeconds = 0.0
    var samples = 0
    var lastGradNorm = 0.0
    /// The latest validation (or train) value of the monitored metric.
    var metric: SplitMetric?
    var metricValue: Double?
    /// Training ended (epochs, max_steps or early stopping); a resume goes straight to the end.
    var finished = false
    var stoppedEarly = false
}

/// How the optimization loop ended.
enum LoopEnd {
    case finished
    /// Stopped by a signal (nil: by --stop-at-step) after writing the checkpoint at `checkpoint`.
    case interrupted(signal: Int32?, checkpoint: String)
}
