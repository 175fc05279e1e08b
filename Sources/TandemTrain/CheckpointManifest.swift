import TandemData
import TandemModel

/// `manifest.json` of a checkpoint: everything besides the tensors that an exact resume needs,
/// and what `tandem inspect` and compatibility checks read.
public struct CheckpointManifest: Codable, Equatable, Sendable {
    public static let currentFormat = 1

    public var formatVersion: Int
    public var tandemVersion: String
    public var createdAt: String
    /// Optimizer steps done.
    public var step: Int
    /// Position: epoch (0-based) and the next global batch within it. `batch` equal to the number
    /// of batches means the epoch's batches are done but its end (evaluation) is not.
    public var epoch: Int
    public var batch: Int
    /// Running sums of the epoch in progress and of the whole run.
    public var epochLossSum: Double
    public var epochSamples: Int
    public var epochSeconds: Double
    public var trainSeconds: Double
    public var samples: Int
    public var lastGradNorm: Double
    /// Training had ended when this was saved (the final checkpoint).
    public var finished: Bool
    public var stoppedEarly: Bool
    /// Randomness is counter-based: shuffles from (train seed, epoch), dropout from (train seed,
    /// step, layer, global row), splits from the split seed; these seeds are the whole RNG state.
    public var trainSeed: UInt64
    public var splitSeed: UInt64
    /// The resolved config the checkpoint was written under (YAML).
    public var config: String
    public var task: String
    public var classes: [String]?
    public var preprocessor: Preprocessor
    public var dataSHA256: String
    public var layout: LayoutRecord
    public var model: ModelRecord
    public var optimizer: OptimizerRecord
    public var earlyStopping: EarlyStoppingRecord?
    /// The latest validation metric (for keep_best), e.g. val_loss.
    public var metricName: String?
    public var metricValue: Double?
    /// Lines of metrics.jsonl written when this was saved (a resume truncates to them).
    public var metricsLines: Int
    public var tensors: [TensorRecord]
    /// SHA-256 of each data file in the checkpoint directory.
    public var files: [String: String]

    public struct LayoutRecord: Codable, Equatable, Sendable {
        public var world, dp, tp, pp: Int
    }

    public struct ModelRecord: Codable, Equatable, Sendable {
        public var kind: String
        public var widths: [Int]
        public var activation: String
        public var parameters: Int
        /// `model.norm` when not none (absent in checkpoints of models without normalization).
        public var norm: String?
        /// resnet: `model.blocks` and `model.block_hidden` (`widths` is `[inputs, width, outputs]`).
        public var blocks: Int?
        public var blockHidden: Int?
        /// The categorical embedding tables (`widths[0]` is then their output width); absent without.
        public var embedding: EmbeddingShape?

        enum CodingKeys: String, CodingKey {
            case kind, widths, activation, parameters, norm, blocks, blockHidden = "block_hidden", embedding
        }
    }

    public struct OptimizerRecord: Codable, Equatable, Sendable {
        public var name: String
        public var stepCount: Int
    }

    public struct EarlyStoppingRecord: Codable, Equatable, Sendable {
        public var metric: String
        public var best: Double?
        public var bestEpoch: Int
        public var sinceBest: Int
    }

    public struct TensorRecord: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", tandemVersion = "tandem_version", createdAt = "created_at"
        case step, epoch, batch, epochLossSum = "epoch_loss_sum", epochSamples = "epoch_samples"
        case epochSeconds = "epoch_seconds", trainSeconds = "train_seconds", samples, lastGradNorm = "last_grad_norm", finished, stoppedEarly = "stopped_early"
        case trainSeed = "train_seed", splitSeed = "split_seed", config, task, classes, preprocessor
        case dataSHA256 = "data_sha256", layout, model, optimizer, earlyStopping = "early_stopping"
        case metricName = "metric_name", metricValue = "metric_value", metricsLines = "metrics_lines", tensors, files
    }
}
