import TandemMetrics
import TandemTensor

/// How a sweep picks its trials and whether a running trial goes on after an epoch.
public protocol SweepStrategy: Sendable {
    /// Every trial of the sweep, in the order they are handed out.
    func trials() throws -> [TrialSpec]
    /// `--set` overrides every trial gets besides its parameters (ASHA sets the epochs).
    var trialOverrides: [String] { get }
    /// Records a validation `value` of `trial` after `epoch` (1-based); false stops the trial.
    mutating func report(trial: Int, epoch: Int, value: Double?) -> Bool
}

extension SweepStrategy {
    /// The trial specs for `points`, with seeds derived from `seed` unless `train.seed` is searched.
    static func specs(_ points: [[(String, JSONValue)]], seed: UInt64) -> [TrialSpec] {
        points.enumerated().map { i, p in
            // A searched train.seed is the trial's seed when it is a whole number in JSON's exact
            // integer range; anything else is left to the trial's config check, which names it.
            let given = p.first { $0.0 == "train.seed" }.flatMap { $0.1.doubleValue }
                .flatMap { $0 >= 0 && $0 < 9_007_199_254_740_992 && $0.rounded() == $0 ? UInt64($0) : nil }
            return TrialSpec(id: i, params: p.map { (key: $0.0, value: $0.1) },
                             seed: given ?? TrialSeed.derive(sweepSeed: seed, trial: i))
        }
    }
}

/// Trial seeds: distinct per trial, reproducible from the sweep seed.
public enum TrialSeed {
    /// A seed below 2^31 mixed from the sweep seed and the trial number.
    public static func derive(sweepSeed: UInt64, trial: Int) -> UInt64 {
        RandomGenerator.mix(sweepSeed, UInt64(trial) &+ 0x5EED) % (1 << 31)
    }
}

/// Every point of the cross product exactly once, each trained to the end.
public struct GridSearch: SweepStrategy {
    public let space: SearchSpace
    public let seed: UInt64
    public init(space: SearchSpace, seed: UInt64) { self.space = space; self.seed = seed }
    public func trials() throws -> [TrialSpec] { Self.specs(try space.gridPoints(), seed: seed) }
    public var trialOverrides: [String] { [] }
    public mutating func report(trial: Int, epoch: Int, value: Double?) -> Bool { true }
}

/// `samples` draws (times the grid keys), reproducible from the seed, each trained to the end.
public struct RandomSearch: SweepStrategy {
    public let space: SearchSpace
    public let samples: Int
    public let seed: UInt64
    public init(space: SearchSpace, samples: Int, seed: UInt64) { self.space = space; self.samples = samples; self.seed = seed }
    public func trials() throws -> [TrialSpec] { Self.specs(try space.sampledPoints(samples: samples, seed: seed), seed: seed) }
    public var trialOverrides: [String] { [] }
    public mutating func report(trial: Int, epoch: Int, value: Double?) -> Bool { true }
}

/// The random search's trials, each given `max_epochs` and stopped early by `ASHA`.
public struct ASHASearch: SweepStrategy {
    public let random: RandomSearch
    public var asha: ASHA
    public init(space: SearchSpace, samples: Int, seed: UInt64, config: ASHAConfig, mode: MetricDirection) {
        random = RandomSearch(space: space, samples: samples, seed: seed)
        asha = ASHA(config: config, mode: mode)
    }
    public func trials() throws -> [TrialSpec] { try random.trials() }
    /// Every epoch is evaluated, so each rung is judged at its own epoch (not at the next
    /// `eval_every` multiple).
    public var trialOverrides: [String] { ["train.epochs=\(asha.config.maxEpochs)", "train.eval_every=1"] }
    public mutating func report(trial: Int, epoch: Int, value: Double?) -> Bool { asha.report(trial: trial, epoch: epoch, value: value) }
}

extension SweepConfig {
    /// The strategy this config asks for.
    public func makeStrategy() -> any SweepStrategy {
        switch strategy {
        case .grid: return GridSearch(space: space, seed: seed)
        case .random: return RandomSearch(space: space, samples: trials, seed: seed)
        case .asha: return ASHASearch(space: space, samples: trials, seed: seed,
                                      config: asha ?? ASHAConfig(minEpochs: 1, maxEpochs: 1, reduction: 3), mode: mode)
        }
    }
}
