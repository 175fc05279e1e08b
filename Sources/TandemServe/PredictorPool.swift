import Foundation
import TandemArtifact

/// What one prediction in flight uses: a predictor (which keeps the network's scratch buffers
/// and is not thread-safe) and the buffers a request is parsed and encoded into, kept from one
/// request to the next so a request allocates nothing per row.
final class PredictionSession {
    let predictor: Predictor
    /// The request's rows as parsed.
    var rows = RequestRows()
    /// The encoded input `[rows, encoded width]`.
    var input: [Float] = []

    init(_ predictor: Predictor) { self.predictor = predictor }
}

/// Sessions for concurrent requests: each request borrows one for its parse, forward pass and
/// response; the pool grows to the number of requests predicting at once (at most the server's
/// prediction threads, `PredictionWorkers`) and keeps them for reuse.
final class PredictorPool: @unchecked Sendable {
    private let artifact: ModelArtifact
    /// The first predictor, whose transposed dense weights every later one shares (one copy per model).
    private let first: Predictor
    private let lock = NSLock()
    private var idle: [PredictionSession]

    /// A pool holding one session built from `artifact` (throws if the network cannot be built).
    init(_ artifact: ModelArtifact) throws {
        self.artifact = artifact
        first = try Predictor(artifact)
        idle = [PredictionSession(first)]
    }

    /// Runs `body` with a session no other caller uses meanwhile.
    func withSession<T>(_ body: (PredictionSession) throws -> T) throws -> T {
        lock.lock()
        let borrowed = idle.popLast()
        lock.unlock()
        let session = try borrowed ?? PredictionSession(Predictor(artifact, sharing: first.inferenceWeights))
        defer {
            lock.lock()
            idle.append(session)
            lock.unlock()
        }
        return try body(session)
    }
}
