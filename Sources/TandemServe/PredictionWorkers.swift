import Foundation

/// A fixed set of plain threads that run prediction requests (JSON parse, forward pass, response
/// encoding) off Swift's cooperative thread pool, where Hummingbird runs the connections: a
/// 64-row forward pass there holds one of its few threads (one per core) and stalls every other
/// connection's reads and writes behind it.
///
/// Jobs wait in a bounded first-in first-out queue; a job submitted while `queueDepth` jobs
/// already wait is refused at once with 503 and `Retry-After` (`ServeError.Reason.overloaded`), so an
/// overloaded server answers rather than piling up requests. `stop()` lets the workers finish
/// every queued job and exit; jobs submitted after it are refused the same way.
public final class PredictionWorkers: @unchecked Sendable {
    /// Number of worker threads.
    public let threads: Int
    /// Most jobs waiting for a worker (jobs being run are not counted).
    public let queueDepth: Int

    private let condition = NSCondition()
    /// The waiting jobs, a ring buffer of `queueDepth` slots from `head`.
    private var ring: [(() -> Void)?]
    private var head = 0, waiting = 0
    private var stopped = false

    /// The default worker count: the CPUs this process may run on.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Starts `threads` workers (at least 1) with room for `queueDepth` (at least 1) waiting jobs.
    public init(threads: Int = PredictionWorkers.defaultThreads, queueDepth: Int = 256) {
        self.threads = max(1, threads)
        self.queueDepth = max(1, queueDepth)
        ring = Array(repeating: nil, count: self.queueDepth)
        for i in 0..<self.threads {
            let thread = Thread { [self] in
                Thread.current.threadDictionary[Self.marker] = true
                work()
            }
            thread.name = "tandem-predict-\(i)"
            thread.start()
        }
    }

    /// Jobs waiting for a worker now.
    public var waitingJobs: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting
    }

    /// Whether the calling thread is one of a pool's workers.
    static var onWorkerThread: Bool { Thread.current.threadDictionary[marker] as? Bool ?? false }
    private static let marker = "tandem.prediction-worker"

    /// Runs `body` on a worker and returns its result (or rethrows its error); throws
    /// `ServeError` (`.overloaded`, `.shuttingDown`) without running it when the queue is full or the workers stopped.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let refusal = submit { continuation.resume(with: Result { try body() }) }
            if let refusal { continuation.resume(throwing: refusal) }
        }
    }

    /// Lets the workers finish the queued jobs, then exit; later jobs are refused.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Queues `job` to run on a worker; the refusal (`.overloaded`, `.shuttingDown`) if it cannot
    /// wait, in which case it never runs.
    func submit(_ job: @escaping @Sendable () -> Void) -> ServeError? {
        condition.lock()
        defer { condition.unlock() }
        if stopped { return ServeError(.shuttingDown) }
        guard waiting < queueDepth else {
            return ServeError(.overloaded(threads: threads, queueDepth: queueDepth))
        }
        ring[(head + waiting) % queueDepth] = job
        waiting += 1
        condition.signal()
        return nil
    }

    /// A worker's loop: takes the oldest job, runs it outside the lock; exits once stopped and empty.
    private func work() {
        while true {
            condition.lock()
            while waiting == 0 && !stopped { condition.wait() }
            guard waiting > 0 else {
                condition.unlock()
                return
            }
            let job = ring[head]
            ring[head] = nil
            head = (head + 1) % queueDepth
            waiting -= 1
            condition.unlock()
            job?()
        }
    }
}
