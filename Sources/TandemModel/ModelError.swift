import TandemTensor

/// A model-level error: a bad architecture, parameters that do not fit, a solver failure.
/// `reason` says what is wrong and where (the config key, the parameter, the layer) with the figures.
public struct ModelError: KindedError, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// The architecture is not one Tandem can build: `key` is the config key (or the part of
        /// a recorded model, e.g. `embedding`) that is wrong, nil when it is the whole model;
        /// `problem` says how, with the values.
        case invalidArchitecture(key: String?, problem: String)
        /// Parameter `name` (of `shape`, when known) is missing.
        case missingParameter(name: String, shape: [Int]?)
        /// Residual unit `prefix` lacks its weight or bias.
        case missingWeightOrBias(prefix: String)
        /// Parameter `name` has `shape`, not the `expected` one.
        case wrongShape(name: String, shape: [Int], expected: [Int])
        /// Parameter `name` holds `count` values, not the `shape`'s.
        case wrongValueCount(name: String, count: Int, shape: [Int])
        /// `name` is no parameter of this model.
        case unexpectedParameter(name: String)
        /// Dense layer `layer` has no parameters (in this rank's shard when `inShard`).
        case layerWithoutParameters(layer: Int, inShard: Bool)
        /// Layer `layer` has no normalization.
        case noNormalization(layer: Int)
        /// The model is not a resnet.
        case notAResnet
        /// The tensors of `part` are not contiguous in the arena.
        case notContiguous(ContiguousPart)
        /// LAPACK's `routine` failed with `info` during `task` (`orthogonal init`, `exact solver`).
        case lapackFailed(task: String, routine: String, info: Int)
    }

    /// Tensors an embedding layer needs side by side.
    public enum ContiguousPart: Equatable, Sendable {
        case embeddingTables, numericEmbedding
    }

    /// What is wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// Always `.userInput`: a restart cannot fix it.
    public var kind: FailureKind { .userInput }

    public var description: String {
        switch reason {
        case .invalidArchitecture(let key, let problem):
            (key.map { "\($0): " } ?? "") + problem
        case .missingParameter(let name, let shape):
            "parameter '\(name)'\(shape.map { " \($0)" } ?? "") is missing"
        case .missingWeightOrBias(let prefix):
            "parameter '\(prefix).weight' or '\(prefix).bias' is missing"
        case .wrongShape(let name, let shape, let expected):
            "parameter '\(name)' has shape \(shape), expected \(expected)"
        case .wrongValueCount(let name, let count, let shape):
            "parameter '\(name)' has \(count) values for shape \(shape) (\(shape.reduce(1, *)) expected)"
        case .unexpectedParameter(let name):
            "unexpected parameter '\(name)'"
        case .layerWithoutParameters(let layer, let inShard):
            "dense layer \(layer) has no parameters\(inShard ? " in this shard" : "")"
        case .noNormalization(let layer):
            "layer \(layer) has no normalization"
        case .notAResnet:
            "not a resnet"
        case .notContiguous(.embeddingTables):
            "embedding tables are not contiguous"
        case .notContiguous(.numericEmbedding):
            "the numeric embedding's tensors are not contiguous"
        case .lapackFailed(let task, let routine, let info):
            "\(task): \(routine) failed with info \(info)"
        }
    }
}
