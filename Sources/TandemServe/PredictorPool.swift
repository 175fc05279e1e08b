import Foundation
import TandemArtifact

/// Predictors for concurrent requests. A `Predictor` keeps scratch buffers and is not
/// thread-safe, so each request borrows one for the duration of its forward pass; the pool grows
/// to the number of requests predicting at once (at most the server's prediction threads,
/// `PredictionWorkers`) and keeps them for reuse.
final class PredictorPool: @unchecked Sendable {
    private let artifact: ModelArtifact
    private let lock = NSLock()
    private var idle: [Predictor]

    /// A pool holding one predictor built from `artifact` (throws if the network cannot be built).
    init(_ artifact: ModelArtifact) throws {
        self.artifact = artifact
        idle = [try Predictor(artifact)]
    }

    /// Runs `body` with a predictor no other caller uses meanwhile.
    func withPredictor<T>(_ body: (Predictor) throws -> T) throws -> T {
        lock.lock()
        let borrowed = idle.popLast()
        lock.unlock()
        let predictor = try borrowed ?? Predictor(artifact)
        defer {
            lock.lock()
            idle.append(predictor)
            lock.unlock()
        }
        return try body(predictor)
    }
}
