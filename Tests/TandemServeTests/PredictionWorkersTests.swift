import Foundation
import Testing
@testable import TandemServe

/// The prediction worker pool: results reach the right caller, at most `threads` jobs run at
/// once and never on the cooperative pool, jobs start in submission order, and a full queue is
/// refused at once with 503 + Retry-After (also over HTTP, as a JSON error).
@Suite struct PredictionWorkersTests {
    /// A gate the test opens; a job (on a worker thread) blocks on it.
    final class Gate: @unchecked Sendable {
        private let opened = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var reached = false
        /// Notes that a job got here, then blocks until `open()`.
        func pass() {
            lock.lock(); reached = true; lock.unlock()
            opened.wait()
            opened.signal()
        }
        func open() { opened.signal() }
        var hasStarted: Bool { lock.withLock { reached } }
        /// Waits (up to 10 s, without blocking the cooperative pool) until a job reached `pass()`.
        func started() async throws {
            for _ in 0..<1000 {
                if hasStarted { return }
                try await Task.sleep(for: .milliseconds(10))
            }
            Issue.record("no job reached the gate in 10 s")
        }
    }

    /// The most jobs seen running at once.
    final class Concurrency: @unchecked Sendable {
        private let lock = NSLock()
        private var running = 0
        private(set) var most = 0
        func enter() { lock.lock(); running += 1; most = max(most, running); lock.unlock() }
        func leave() { lock.lock(); running -= 1; lock.unlock() }
    }

    /// Waits (up to 10 s) until `workers` has `n` jobs waiting.
    static func waitUntil(_ workers: PredictionWorkers, waiting n: Int) async throws {
        for _ in 0..<1000 where workers.waitingJobs != n { try await Task.sleep(for: .milliseconds(10)) }
        try #require(workers.waitingJobs == n)
    }

    @Test func concurrentJobsGetTheirOwnResultsOnAtMostThreadsWorkers() async throws {
        let workers = PredictionWorkers(threads: 3, queueDepth: 1000)
        defer { workers.stop() }
        let busy = Failures(), concurrency = Concurrency()
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for i in 0..<300 {
                group.addTask {
                    let value = try await workers.run { () -> Int in
                        concurrency.enter()
                        if !PredictionWorkers.onWorkerThread { busy.add("job \(i) ran on \(Thread.current)") }
                        usleep(200)
                        concurrency.leave()
                        return i * i
                    }
                    return (i, value)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 300)
        #expect((0..<300).allSatisfy { results[$0] == $0 * $0 })
        #expect(busy.all.isEmpty, "\(busy.all.first ?? "")")
        #expect(concurrency.most <= 3 && concurrency.most >= 1)
    }

    @Test func errorsReachTheCaller() async throws {
        let workers = PredictionWorkers(threads: 1, queueDepth: 4)
        defer { workers.stop() }
        await #expect(throws: ServeError.self) { try await workers.run { () throws -> Int in throw ServeError.badRequest(.featureTwice(row: 3, name: "x")) } }
        #expect(try await workers.run { 7 } == 7)  // the worker survives an error
    }

    @Test func jobsStartInSubmissionOrder() async throws {
        let workers = PredictionWorkers(threads: 1, queueDepth: 16)
        defer { workers.stop() }
        let gate = Gate()
        let order = Failures()
        let first = Task { try await workers.run { gate.pass(); order.add("blocker") } }
        try await gate.started()
        var tasks: [Task<Void, any Error>] = []
        for i in 0..<10 {
            tasks.append(Task { try await workers.run { order.add("\(i)") } })
            try await Self.waitUntil(workers, waiting: i + 1)
        }
        gate.open()
        try await first.value
        for t in tasks { try await t.value }
        #expect(order.all == ["blocker"] + (0..<10).map(String.init))
    }

    @Test func aFullQueueIsRefusedAtOnceWith503() async throws {
        let workers = PredictionWorkers(threads: 1, queueDepth: 2)
        defer { workers.stop() }
        let gate = Gate()
        let running = Task { try await workers.run { gate.pass(); return 1 } }
        try await gate.started()
        let queued = [Task { try await workers.run { 2 } }, Task { try await workers.run { 3 } }]
        try await Self.waitUntil(workers, waiting: 2)
        do {
            _ = try await workers.run { 4 }
            Issue.record("a job beyond the queue depth was accepted")
        } catch let e as ServeError {
            #expect(e.status == 503)
            #expect(e.retryAfter == 1)
            #expect(e.message.contains("all 1 prediction workers are busy and 2 requests are queued (--queue-depth)"), "\(e.message)")
        }
        gate.open()
        #expect(try await running.value == 1)
        #expect(try await queued[0].value == 2)
        #expect(try await queued[1].value == 3)
        #expect(try await workers.run { 5 } == 5)  // room again once the queue drained
    }

    @Test func stoppedWorkersFinishQueuedJobsAndRefuseNewOnes() async throws {
        let workers = PredictionWorkers(threads: 1, queueDepth: 4)
        let gate = Gate()
        let running = Task { try await workers.run { gate.pass(); return 1 } }
        try await gate.started()
        let queued = Task { try await workers.run { 2 } }
        try await Self.waitUntil(workers, waiting: 1)
        workers.stop()
        await #expect(throws: ServeError.self) { try await workers.run { 3 } }
        gate.open()
        #expect(try await running.value == 1)
        #expect(try await queued.value == 2)
    }

    /// Over HTTP: with the only worker busy and the queue full, a prediction is answered 503 with
    /// `Retry-After: 1` and a JSON error; once the worker is free the same request gets 200. With
    /// `inlineBytes` at least the body's size, the same request is answered at once (200) on the
    /// connection's thread instead.
    @Test(arguments: [0, 4096]) func overloadedServerAnswers503OverHTTP(inlineBytes: Int) async throws {
        let model = try ServedModel(name: "t", artifact: try Fixtures.artifact())
        var options = ServeOptions(port: 0)
        options.inlineBytes = inlineBytes
        let server = try ModelServer(models: [model], options: options)
        let workers = PredictionWorkers(threads: 1, queueDepth: 1)
        defer { workers.stop() }
        let gate = Gate()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await server.run(workers: workers, handleSignals: false) { port in continuation.yield(port); continuation.finish() } }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let blocker = Task { try await workers.run { gate.pass() } }
        try await gate.started()
        let queued = Task { try await workers.run { 0 } }
        try await Self.waitUntil(workers, waiting: 1)
        let body = "{\"rows\": [[1, \"red\"]]}"
        let refused = try await http(port, "POST", "/v1/predict", body: body)
        if inlineBytes >= body.utf8.count {
            #expect(refused.status == 200, "\(refused.body)")
        } else {
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "1")
            let error = try Fixtures.json(refused)["error"] as? String
            #expect(error?.contains("overloaded") == true, "\(refused.body)")
        }
        gate.open()
        try await blocker.value
        _ = try await queued.value
        #expect(try await http(port, "POST", "/v1/predict", body: body).status == 200)
        task.cancel()
        _ = await task.result
    }
}
