import ArgumentParser
import Foundation
import TandemArtifact
import struct TandemData.DriftReference
import TandemServe
import TandemTensor

/// `tandem serve MODEL [--model name=path ...]`: HTTP predictions from exported models.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve exported models over HTTP (JSON predictions, manifest summaries, Prometheus metrics).",
        discussion: """
        Endpoints: POST /v1/predict (the first model), POST /v1/models/NAME/predict, GET /v1/model, \
        GET /v1/models, GET /v1/models/NAME, GET /healthz, GET /metrics. A request body is \
        {"rows": [{"feature": value, ...}, ...]} or {"rows": [[v0, v1, ...], ...]} (the model's feature order). \
        Prints `serving NAME on http://HOST:PORT` once listening; SIGINT or SIGTERM stop it after the requests in flight.
        """
    )

    @Argument(help: "Model directory (from tandem export, or RUN/model); served under its manifest name.") var model: String?
    @Option(name: .customLong("model"), help: ArgumentHelp("Another model as name=path (repeatable); the name appears in /v1/models/NAME.", valueName: "name=path"))
    var models: [String] = []
    @Option(help: "Interface to listen on.") var host = "127.0.0.1"
    @Option(help: "TCP port (0 picks a free one).") var port = 8080
    @Option(help: "Largest request body in bytes (413 beyond).") var maxBodyBytes = 1 << 20
    @Option(help: "Most rows in one request (413 beyond).") var maxRows = 10_000
    @Option(help: "Recent input rows kept per model for the drift gauges in /metrics (for models with drift statistics).") var driftWindow = 10_000
    @Option(help: "Seconds a connection may stay idle or take to send a request's headers before it is closed.") var idleTimeout = 30.0
    @Option(help: "Most connections open at once (more wait to be accepted).") var maxConnections = 512
    @Option(help: "Threads that run predictions, off the threads serving connections (default: the CPUs this process may use).")
    var predictionThreads: Int?
    @Option(help: "Most prediction requests waiting for a thread; more are answered 503 with Retry-After.") var queueDepth = 256
    @Option(help: "Bodies of at most this many bytes (a few rows) are predicted on the connection's thread, not handed to a prediction thread; 0 hands off all.")
    var inlineBytes = 4096

    func validate() throws {
        guard model != nil || !models.isEmpty else { throw ValidationError("give a model directory, or --model name=path") }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a TCP port (0-65535)") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive") }
        guard maxRows > 0 else { throw ValidationError("--max-rows must be positive") }
        guard driftWindow >= 0 else { throw ValidationError("--drift-window must not be negative") }
        guard idleTimeout > 0, idleTimeout <= 86_400 else { throw ValidationError("--idle-timeout \(idleTimeout) must be in (0, 86400] seconds") }
        guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--max-connections \(maxConnections) must be in 1...1000000") }
        if let predictionThreads, !(1...1024).contains(predictionThreads) {
            throw ValidationError("--prediction-threads \(predictionThreads) must be in 1...1024")
        }
        guard inlineBytes >= 0 else { throw ValidationError("--inline-bytes \(inlineBytes) must not be negative") }
        guard (1...1_000_000).contains(queueDepth) else { throw ValidationError("--queue-depth \(queueDepth) must be in 1...1000000") }
        _ = try sources()
    }

    /// The models to load: the positional one (named by its manifest), then each `--model name=path`.
    func sources() throws -> [(name: String?, path: String)] {
        var sources: [(name: String?, path: String)] = model.map { [(nil, $0)] } ?? []
        for spec in models {
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
                throw ValidationError("--model \(spec): expected name=path (for example digits-v2=models/digits-v2)")
            }
            sources.append((String(spec[..<eq]), String(spec[spec.index(after: eq)...])))
        }
        return sources
    }

    /// Drift gauges on /metrics: the model's training distributions against the serving window
    /// (nil for a model exported without them).
    static func driftScorer(_ reference: DriftReference?) -> DriftScorer? {
        guard let reference else { return nil }
        return { window in
            try reference.compare(table: window, rows: Array(0..<window.rowCount)).map { (feature: $0.feature, psi: $0.psi) }
        }
    }

    func run() throws {
        var models: [ServedModel] = []
        for source in try sources() {
            let artifact = try ModelArtifact.load(ModelPath.resolve(source.path))
            models.append(try ServedModel(name: source.name ?? artifact.manifest.name, artifact: artifact, driftWindow: driftWindow,
                                          scorer: Self.driftScorer(artifact.manifest.drift)))
        }
        let served = models
        var options = ServeOptions(
            host: host, port: port, maxBodyBytes: maxBodyBytes, maxRows: maxRows, driftWindow: driftWindow,
            idleTimeout: idleTimeout, maxConnections: maxConnections)
        options.predictionThreads = predictionThreads ?? PredictionWorkers.defaultThreads
        options.queueDepth = queueDepth
        options.inlineBytes = inlineBytes
        let server = try ModelServer(models: served, options: options)
        BLASThreads.set(1)  // requests run in parallel on the prediction threads; each forward pass is small
        let host = server.options.urlHost
        try BlockingTask.run {
            try await server.run(handleSignals: true) { port in
                let lines = served.enumerated().map { i, m in
                    "serving \(m.name) on http://\(host):\(port) (POST \(i == 0 ? "/v1/predict or " : "")/v1/models/\(m.name)/predict)\n"
                }
                FileHandle.standardOutput.write(Data(lines.joined().utf8))
            }
        }
    }
}

/// Runs async work to completion from synchronous code (the CLI's `run()`), rethrowing its error.
enum BlockingTask {
    static func run(_ work: @escaping @Sendable () async throws -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        Task {
            do { try await work() } catch { result.error = error }
            done.signal()
        }
        done.wait()
        if let error = result.error { throw error }
    }

    /// The error of the task, written before the semaphore is signalled and read after.
    private final class ResultBox: @unchecked Sendable {
        var error: (any Error)?
    }
}
