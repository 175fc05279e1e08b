import Foundation

/// Shape of the learning-rate curve after warmup.
public enum ScheduleKind: String, Codable, Sendable, CaseIterable {
    /// The base rate throughout.
    case constant
    /// Multiply by `gamma` every `stepSize` steps.
    case step
    /// Half-cosine from the base rate down to `minLR` at `totalSteps`.
    case cosine
    /// Straight line from the base rate down to `minLR` at `totalSteps`.
    case linear
}

/// Learning rate as a function of the optimizer step (0-based), with optional linear warmup.
public struct LRSchedule: Equatable, Sendable {
    public var kind: ScheduleKind
    public var baseLR: Double
    /// Steps of linear warmup from `baseLR / warmupSteps` up to `baseLR` (0 = none).
    public var warmupSteps: Int
    /// Total optimizer steps of the run (cosine and linear end there).
    public var totalSteps: Int
    public var stepSize: Int
    public var gamma: Double
    public var minLR: Double

    public init(kind: ScheduleKind, baseLR: Double, warmupSteps: Int = 0, totalSteps: Int,
                stepSize: Int = 1000, gamma: Double = 0.1, minLR: Double = 0) {
        self.kind = kind
        self.baseLR = baseLR
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.stepSize = stepSize
        self.gamma = gamma
        self.minLR = minLR
    }

    /// The learning rate for optimizer step `step`.
    public func lr(at step: Int) -> Double {
        if step < warmupSteps { return baseLR * Double(step + 1) / Double(warmupSteps) }
        let t = step - warmupSteps
        let span = max(1, totalSteps - warmupSteps)
        let progress = min(1, Double(t) / Double(span))
        switch kind {
        case .constant: return baseLR
        case .step: return baseLR * Foundation.pow(gamma, Double(t / max(1, stepSize)))
        case .cosine: return minLR + (baseLR - minLR) * 0.5 * (1 + cos(Double.pi * progress))
        case .linear: return minLR + (baseLR - minLR) * (1 - progress)
        }
    }
}
