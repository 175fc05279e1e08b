/// `checkpoint:` — when the coordinator saves the training state, and how many it keeps.
public struct CheckpointConfig: Codable, Equatable, Sendable {
    /// Save every this many optimizer steps (0 = off).
    public var everySteps: Int = 200
    /// Save when this many seconds passed since the last save (0 = off).
    public var everySeconds: Double = 0
    /// Keep the newest `keep` checkpoints...
    public var keep: Int = 3
    /// ...plus the one with the best validation metric.
    public var keepBest: Bool = true

    enum CodingKeys: String, CodingKey, CaseIterable {
        case everySteps = "every_steps", everySeconds = "every_seconds", keep, keepBest = "keep_best"
    }

    init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        everySteps = try c.value(.everySteps, or: 200)
        everySeconds = try c.value(.everySeconds, or: 0)
        keep = try c.value(.keep, or: 3)
        keepBest = try c.value(.keepBest, or: true)
        if everySteps < 0 { throw ConfigError("checkpoint.every_steps: \(everySteps) must be >= 0 (0 = off)", keyPath: "checkpoint.every_steps") }
        if everySeconds < 0 { throw ConfigError("checkpoint.every_seconds: \(everySeconds) must be >= 0 (0 = off)", keyPath: "checkpoint.every_seconds") }
        if keep < 1 { throw ConfigError("checkpoint.keep: \(keep) must be at least 1", keyPath: "checkpoint.keep") }
        try ConfigRange.check(everySteps, "checkpoint.every_steps", 0...ConfigRange.maxSteps)
        try ConfigRange.check(everySeconds, "checkpoint.every_seconds", 0...ConfigRange.maxSeconds)
        try ConfigRange.check(keep, "checkpoint.keep", 1...10_000)
    }
}
