import Foundation
import TandemComm
import TandemTensor

/// Spans of time per rank and thread, written as a Chrome trace (the JSON that chrome://tracing
/// and Perfetto open): one process per rank, thread 0 = training, thread 1 = communication.
public final class Timeline: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [String] = []
    private let origin: ContinuousClock.Instant
    private let rank: Int
    /// Spans beyond this many are dropped (a long run's trace stays loadable).
    public let limit: Int

    public init(rank: Int, limit: Int = 200_000) {
        self.rank = rank
        self.limit = limit
        origin = ContinuousClock.now
    }

    /// Microseconds since the timeline started.
    public func now() -> Double { origin.secondsElapsed * 1e6 }

    /// Records a span `name` (category `category`) from `start` (from `now()`) until now.
    public func span(_ name: String, _ category: String, from start: Double, thread: Int = 0, step: Int? = nil) {
        let end = now()
        let args = step.map { ",\"args\":{\"step\":\($0)}" } ?? ""
        let e = "{\"name\":\"\(name)\",\"cat\":\"\(category)\",\"ph\":\"X\",\"ts\":\(String(format: "%.1f", start)),\"dur\":\(String(format: "%.1f", end - start)),\"pid\":\(rank),\"tid\":\(thread)\(args)}"
        lock.lock()
        if events.count < limit { events.append(e) }
        lock.unlock()
    }

    /// Times `body` as a span.
    @discardableResult
    public func measure<T>(_ name: String, _ category: String, thread: Int = 0, step: Int? = nil, _ body: () throws -> T) rethrows -> T {
        let start = now()
        defer { span(name, category, from: start, thread: thread, step: step) }
        return try body()
    }

    /// Gathers every rank's spans to rank 0, which writes `path` (collective). Metadata names each
    /// process `rank R` and its threads.
    public func write(to path: String, comm: Communicator) throws {
        lock.lock()
        let mine = events.joined(separator: ",\n")
        lock.unlock()
        let all = try comm.gather(bytes: Array(mine.utf8))
        guard comm.rank == 0 else { return }
        var parts: [String] = []
        for (r, bytes) in all.enumerated() {
            parts.append("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":\(r),\"args\":{\"name\":\"rank \(r)\"}}")
            parts.append("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":\(r),\"tid\":0,\"args\":{\"name\":\"training\"}}")
            parts.append("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":\(r),\"tid\":1,\"args\":{\"name\":\"gradient sync\"}}")
            if !bytes.isEmpty { parts.append(String(decoding: bytes, as: UTF8.self)) }
        }
        let text = "{\"traceEvents\":[\n" + parts.joined(separator: ",\n") + "\n],\"displayTimeUnit\":\"ms\"}\n"
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw RunDirectoryError(.cannotWriteTimeline(path: path, detail: error.localizedDescription))
        }
    }
}
