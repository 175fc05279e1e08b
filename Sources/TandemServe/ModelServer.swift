import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import UnixSignals
import TandemArtifact

/// The HTTP prediction server: one or more `ServedModel`s behind a Hummingbird application.
///
/// Endpoints: `POST /v1/predict` (the first model) and `POST /v1/models/{name}/predict`;
/// `GET /v1/model`, `/v1/models/{name}`, `/v1/models` (manifest summaries); `GET /healthz`;
/// `GET /metrics` (Prometheus text format 0.0.4).
public final class ModelServer: Sendable {
    /// The served models; the first answers `/v1/predict` and `/v1/model`.
    public let models: [ServedModel]
    /// Address, size limits and window size.
    public let options: ServeOptions
    let metrics = ServeMetrics()
    private let byName: [String: ServedModel]

    /// A server for `models` (at least one, names unique).
    public init(models: [ServedModel], options: ServeOptions = ServeOptions()) throws {
        guard !models.isEmpty else { throw ArtifactError(.noModels) }
        var byName: [String: ServedModel] = [:]
        for m in models {
            guard byName[m.name] == nil else { throw ArtifactError(.duplicateModelName(m.name)) }
            byName[m.name] = m
        }
        guard options.maxBodyBytes > 0, options.maxRows > 0, options.driftWindow >= 0 else {
            throw ArtifactError(.invalidServeOptions(detail: "max body bytes and max rows must be positive and the drift window not negative"))
        }
        guard options.predictionThreads > 0, options.queueDepth > 0 else {
            throw ArtifactError(.invalidServeOptions(detail: "prediction threads (\(options.predictionThreads)) and queue depth (\(options.queueDepth)) must be positive"))
        }
        self.models = models
        self.options = options
        self.byName = byName
    }

    /// The model called `name` (the first without a name); 404 naming the served ones otherwise.
    func model(_ name: Substring?) throws(ServeError) -> ServedModel {
        guard let name else { return models[0] }
        guard let m = byName[String(name)] else {
            throw ServeError(.noModel(name: String(name), serving: models.map(\.name)))
        }
        return m
    }

    /// Listens on `options.host:options.port` until the task is cancelled or, with
    /// `handleSignals`, SIGINT/SIGTERM arrive; either way finishes the requests in flight. `onStart` gets
    /// the bound port (useful with port 0) once the server accepts connections. Predictions run on
    /// `options.predictionThreads` worker threads, started here and stopped on return.
    public func run(handleSignals: Bool = false, onStart: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) async throws {
        let workers = PredictionWorkers(threads: options.predictionThreads, queueDepth: options.queueDepth)
        defer { workers.stop() }
        try await run(workers: workers, handleSignals: handleSignals, onStart: onStart)
    }

    /// `run(handleSignals:onStart:)` with predictions on `workers` (which the caller stops).
    func run(workers: PredictionWorkers, handleSignals: Bool, onStart: @escaping @Sendable (_ port: Int) async -> Void) async throws {
        let port = options.port
        var logger = Logger(label: "tandem.serve")
        logger.logLevel = .warning
        let grace = options.shutdownGrace, idleTimeout = options.idleTimeout, limit = options.maxBodyBytes
        let serve = ServeResponder(server: self, workers: workers)
        let app = Application(
            responder: serve,
            server: HTTPServerBuilder { responder in
                // The chunk-size guard sits in front of Hummingbird's HTTP/1 decoder (413 for a declared oversized chunk).
                GuardedHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: .init(
                    additionalChannelHandlers: [ShutdownGrace(grace: grace)], idleTimeout: .nanoseconds(Int64(idleTimeout * 1e9)))),
                    limit: limit, inline: serve)
            },
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil,
                                 availableConnectionsDelegate: .maximum(options.maxConnections, logger: logger)),
            onServerRunning: { channel in await onStart(channel.localAddress?.port ?? port) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app)], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger))
        // Cancelling the caller shuts down gracefully (finishing requests in flight) rather than
        // cancelling the connections mid-request.
        let running = _Concurrency.Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            _Concurrency.Task { await group.triggerGracefulShutdown() }
        }
    }

    /// `/metrics`: request counters, latency histograms, rows predicted, and drift gauges
    /// (computed now by each model's scorer over its serving window).
    func exposition() -> String {
        var out = metrics.exposition(models: models.map(\.name))
        let readings = models.compactMap { m in m.drift().map { (m.name, $0) } }
        guard !readings.isEmpty else { return out }
        for (name, r) in readings where r.error != nil { metrics.driftFailed(model: name) }
        out += "# HELP tandem_drift_window_rows Recent input rows kept per model for drift scoring.\n# TYPE tandem_drift_window_rows gauge\n"
        for (name, r) in readings { out += "tandem_drift_window_rows{model=\(ServeMetrics.label(name))} \(r.rows)\n" }
        out += "# HELP tandem_feature_drift_psi Population stability index of each feature over the serving window against training.\n# TYPE tandem_feature_drift_psi gauge\n"
        for (name, r) in readings {
            for s in r.scores {
                out += "tandem_feature_drift_psi{model=\(ServeMetrics.label(name)),feature=\(ServeMetrics.label(s.feature))} \(ServeMetrics.number(s.psi))\n"
            }
        }
        out += "# HELP tandem_drift_scoring_errors_total Scrapes at which a model's drift scorer failed.\n# TYPE tandem_drift_scoring_errors_total counter\n"
        for (name, _) in readings { out += "tandem_drift_scoring_errors_total{model=\(ServeMetrics.label(name))} \(metrics.driftFailures(model: name))\n" }
        for (name, r) in readings { if let e = r.error { out += "# drift scoring failed for model \(name): \(e.replacingOccurrences(of: "\n", with: " "))\n" } }
        return out
    }
}
