import TandemOptim

/// `train:` — the optimization loop.
public struct TrainConfig: Codable, Equatable, Sendable {
    public var epochs: Int
    /// Stop after this many optimizer steps (0 = no limit).
    public var maxSteps: Int
    /// Global batch, independent of the number of ranks.
    public var batchSize: Int
    /// Gradient accumulation: each rank's share of the global batch is computed in this many
    /// pieces whose gradients are summed before one gradient sync and one optimizer step (the
    /// global batch stays `batchSize`; 1 = off).
    public var accumulateSteps: Int
    public var optimizer: OptimizerConfig
    public var schedule: ScheduleConfig
    /// Clip the gradient to this global L2 norm (0 = off).
    public var clipGradNorm: Double
    public var earlyStopping: EarlyStoppingConfig?
    public var seed: UInt64
    /// Evaluate on validation every this many epochs.
    public var evalEvery: Int
    /// Abort the job when a collective has not finished after this many seconds (0 = never).
    public var collectiveTimeout: Double
    /// Per-class loss weights (classification).
    public var classWeight: ClassWeightSetting

    enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs, maxSteps = "max_steps", batchSize = "batch_size", accumulateSteps = "accumulate_steps", optimizer, schedule
        case clipGradNorm = "clip_grad_norm", earlyStopping = "early_stopping", seed, evalEvery = "eval_every"
        case collectiveTimeout = "collective_timeout", classWeight = "class_weight"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.value(.epochs, or: 100)
        maxSteps = try c.value(.maxSteps, or: 0)
        batchSize = try c.value(.batchSize, or: 32)
        accumulateSteps = try c.value(.accumulateSteps, or: 1)
        optimizer = try c.value(.optimizer, or: OptimizerConfig())
        schedule = try c.value(.schedule, or: ScheduleConfig())
        clipGradNorm = try c.value(.clipGradNorm, or: 0)
        earlyStopping = try EarlyStoppingConfig.decode(c, .earlyStopping)
        seed = try c.value(.seed, or: 42)
        evalEvery = try c.value(.evalEvery, or: 1)
        collectiveTimeout = try c.value(.collectiveTimeout, or: 600)
        classWeight = try c.value(.classWeight, or: .none)
        if collectiveTimeout < 0 { throw ConfigError("train.collective_timeout: \(collectiveTimeout) must be >= 0 (0 = never)", keyPath: "train.collective_timeout") }
        if epochs < 1 { throw ConfigError("train.epochs: \(epochs) must be at least 1", keyPath: "train.epochs") }
        if maxSteps < 0 { throw ConfigError("train.max_steps: \(maxSteps) must be >= 0", keyPath: "train.max_steps") }
        if batchSize < 1 { throw ConfigError("train.batch_size: \(batchSize) must be at least 1", keyPath: "train.batch_size") }
        if clipGradNorm < 0 { throw ConfigError("train.clip_grad_norm: \(clipGradNorm) must be >= 0", keyPath: "train.clip_grad_norm") }
        if evalEvery < 1 { throw ConfigError("train.eval_every: \(evalEvery) must be at least 1", keyPath: "train.eval_every") }
        try ConfigRange.check(epochs, "train.epochs", 1...ConfigRange.maxEpochs)
        try ConfigRange.check(maxSteps, "train.max_steps", 0...ConfigRange.maxSteps)
        try ConfigRange.check(batchSize, "train.batch_size", 1...ConfigRange.maxBatch)
        try ConfigRange.check(accumulateSteps, "train.accumulate_steps", 1...ConfigRange.maxBatch)
        try ConfigRange.nonNegative(clipGradNorm, "train.clip_grad_norm")
        try ConfigRange.check(evalEvery, "train.eval_every", 1...ConfigRange.maxEpochs)
        try ConfigRange.check(collectiveTimeout, "train.collective_timeout", 0...ConfigRange.maxSeconds)
        if schedule.name != .constant && schedule.name != .step && schedule.minLR > optimizer.lr {
            throw ConfigError("train.schedule.min_lr: \(schedule.minLR) is above train.optimizer.lr \(optimizer.lr); the schedule decays from lr down to min_lr", keyPath: "train.schedule.min_lr")
        }
    }

    /// Writes every key; early stopping that is off is written `false` (leaving it out would
    /// read back as the default, which is on).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(maxSteps, forKey: .maxSteps)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(accumulateSteps, forKey: .accumulateSteps)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(clipGradNorm, forKey: .clipGradNorm)
        if let earlyStopping { try c.encode(earlyStopping, forKey: .earlyStopping) } else { try c.encode(false, forKey: .earlyStopping) }
        try c.encode(seed, forKey: .seed)
        try c.encode(evalEvery, forKey: .evalEvery)
        try c.encode(collectiveTimeout, forKey: .collectiveTimeout)
        try c.encode(classWeight, forKey: .classWeight)
    }
}

/// `train.optimizer:`
public struct OptimizerConfig: Codable, Equatable, Sendable {
    public var name: OptimizerKind = .adamw
    public var lr: Double = 0.003
    public var momentum: Double = 0
    public var nesterov: Bool = false
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var eps: Double = 1e-8
    public var weightDecay: Double = 0.01

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, lr, momentum, nesterov, beta1, beta2, eps, weightDecay = "weight_decay"
    }

    init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.choice(.name, or: .adamw)
        lr = try c.value(.lr, or: 0.003)
        momentum = try c.value(.momentum, or: name == .sgd ? 0.9 : 0)
        nesterov = try c.value(.nesterov, or: false)
        beta1 = try c.value(.beta1, or: 0.9)
        beta2 = try c.value(.beta2, or: 0.999)
        eps = try c.value(.eps, or: 1e-8)
        weightDecay = try c.value(.weightDecay, or: name == .adamw ? 0.01 : 0)
        guard lr > 0, lr.isFinite else { throw ConfigError("train.optimizer.lr: \(lr) must be a positive number", keyPath: "train.optimizer.lr") }
        guard (0..<1).contains(momentum) else { throw ConfigError("train.optimizer.momentum: \(momentum) must be in [0, 1)", keyPath: "train.optimizer.momentum") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw ConfigError("train.optimizer: beta1 and beta2 must be in [0, 1)", keyPath: "train.optimizer") }
        guard weightDecay >= 0 else { throw ConfigError("train.optimizer.weight_decay: \(weightDecay) must be >= 0", keyPath: "train.optimizer.weight_decay") }
        try ConfigRange.check(beta1, "train.optimizer.beta1", from: 0, below: 1)
        try ConfigRange.check(beta2, "train.optimizer.beta2", from: 0, below: 1)
        try ConfigRange.check(eps, "train.optimizer.eps", above: 0, upTo: 1)
        try ConfigRange.nonNegative(weightDecay, "train.optimizer.weight_decay")
        if nesterov && (name != .sgd || momentum == 0) { throw ConfigError("train.optimizer.nesterov needs name: sgd with momentum > 0", keyPath: "train.optimizer.nesterov") }
    }

    /// The optimizer options these settings describe.
    public var options: OptimizerOptions {
        OptimizerOptions(kind: name, momentum: momentum, nesterov: nesterov, beta1: beta1, beta2: beta2,
                         epsilon: eps, weightDecay: weightDecay)
    }
}

/// `train.schedule:`
public struct ScheduleConfig: Codable, Equatable, Sendable {
    public var name: ScheduleKind = .cosine
    public var warmupSteps: Int = 10
    public var stepSize: Int = 1000
    public var gamma: Double = 0.1
    public var minLR: Double = 0

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, warmupSteps = "warmup_steps", stepSize = "step_size", gamma, minLR = "min_lr"
    }

    init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.choice(.name, or: .cosine)
        warmupSteps = try c.value(.warmupSteps, or: 10)
        stepSize = try c.value(.stepSize, or: 1000)
        gamma = try c.value(.gamma, or: 0.1)
        minLR = try c.value(.minLR, or: 0)
        if warmupSteps < 0 { throw ConfigError("train.schedule.warmup_steps: \(warmupSteps) must be >= 0", keyPath: "train.schedule.warmup_steps") }
        if stepSize < 1 { throw ConfigError("train.schedule.step_size: \(stepSize) must be at least 1", keyPath: "train.schedule.step_size") }
        try ConfigRange.check(warmupSteps, "train.schedule.warmup_steps", 0...ConfigRange.maxSteps)
        try ConfigRange.check(stepSize, "train.schedule.step_size", 1...ConfigRange.maxSteps)
        try ConfigRange.check(gamma, "train.schedule.gamma", above: 0, upTo: 1)
        try ConfigRange.nonNegative(minLR, "train.schedule.min_lr")
    }
}

/// `train.early_stopping:` — stop when `metric` has not improved for `patience` evaluations.
/// On by default (`val_loss`, patience 10, best weights restored); `early_stopping: false` (or
/// `off`, or `null`) turns it off.
public struct EarlyStoppingConfig: Codable, Equatable, Sendable {
    /// `val_<metric>` or `train_<metric>`, e.g. `val_accuracy`, `val_loss`.
    public var metric: String
    public var patience: Int
    /// Smallest change that counts as an improvement.
    public var minDelta: Double
    /// At the end, go back to the parameters of the best evaluation.
    public var restoreBest: Bool

    enum CodingKeys: String, CodingKey, CaseIterable { case metric, patience, minDelta = "min_delta", restoreBest = "restore_best" }

    /// The default: `val_loss`, patience 10, min_delta 0, restore_best true.
    public static let standard = EarlyStoppingConfig(metric: "val_loss", patience: 10, minDelta: 0, restoreBest: true)

    init(metric: String, patience: Int, minDelta: Double, restoreBest: Bool) {
        self.metric = metric
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBest = restoreBest
    }

    /// `train.early_stopping` from `c`: absent gives `standard`; `false`, `off` or `null` gives
    /// nil (off); a mapping is decoded (its missing keys take the defaults).
    static func decode<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> EarlyStoppingConfig? {
        guard c.contains(key) else { return standard }
        if try c.decodeNil(forKey: key) { return nil }
        if let flag = try? c.decode(Bool.self, forKey: key) { return flag ? standard : nil }
        if let word = try? c.decode(String.self, forKey: key) {
            if word == "off" || word == "none" { return nil }
            throw ConfigError("train.early_stopping: '\(word)' is not a setting; give a mapping like {metric: val_loss, patience: 10}, or false to turn it off", keyPath: "train.early_stopping")
        }
        return try c.decode(EarlyStoppingConfig.self, forKey: key)
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metric = try c.value(.metric, or: "val_loss")
        patience = try c.value(.patience, or: 10)
        minDelta = try c.value(.minDelta, or: 0)
        restoreBest = try c.value(.restoreBest, or: true)
        if patience < 1 { throw ConfigError("train.early_stopping.patience: \(patience) must be at least 1", keyPath: "train.early_stopping.patience") }
        try ConfigRange.check(patience, "train.early_stopping.patience", 1...ConfigRange.maxEpochs)
        try ConfigRange.nonNegative(minDelta, "train.early_stopping.min_delta")
        if !(metric.hasPrefix("val_") || metric.hasPrefix("train_")) {
            throw ConfigError("train.early_stopping.metric: '\(metric)' must start with val_ or train_ (e.g. val_accuracy)", keyPath: "train.early_stopping.metric")
        }
    }
}
