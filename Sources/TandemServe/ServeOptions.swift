import TandemData

/// Per-feature drift scores of a window of recent serving inputs against the training data:
/// `window` holds the raw input rows (one column per feature, typed with the manifest's kinds);
/// the result is one population stability index per feature. Called when `/metrics` is scraped.
public typealias DriftScorer = @Sendable (_ window: Table) throws -> [(feature: String, psi: Double)]

/// Limits and sizes for `ModelServer`.
public struct ServeOptions: Sendable {
    /// Interface to listen on (loopback by default).
    public var host: String
    /// TCP port; 0 picks a free one (the bound port is passed to `onStart`).
    public var port: Int
    /// Largest accepted request body, in bytes (413 beyond).
    public var maxBodyBytes: Int
    /// Most rows accepted in one prediction request (413 beyond).
    public var maxRows: Int
    /// Rows of recent inputs kept per model for drift scoring (0 keeps none).
    public var driftWindow: Int
    /// Seconds a connection may go without a complete request part (a request head, body chunk
    /// or end) before the server closes it: idle keep-alive connections and requests whose
    /// headers trickle in ("slowloris") are both cut off.
    public var idleTimeout: Double
    /// Most connections open at once; beyond it new ones wait in the listen backlog.
    public var maxConnections: Int
    /// Seconds an idle keep-alive connection stays open after a graceful shutdown begins, so a
    /// request its client sent at that moment is still answered (`ShutdownGrace`).
    public var shutdownGrace: Double = 1
    /// Worker threads that run predictions (`PredictionWorkers`; default: the CPUs this process may use).
    public var predictionThreads: Int = PredictionWorkers.defaultThreads
    /// Most prediction requests waiting for a worker; one more is answered 503 with `Retry-After`.
    public var queueDepth: Int = 256
    /// Request bodies of at most this many bytes (a few rows) are predicted on the thread that
    /// serves the connection: their parse, forward pass and response cost less than the hand-off
    /// to a worker and back. 0 sends every request to the workers.
    public var inlineBytes: Int = 4096

    /// `host` as it appears in a URL: an IPv6 address in brackets (`http://[::1]:8080`, not `http://::1:8080`).
    public var urlHost: String { host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host }

    /// Options with the defaults of `tandem serve`.
    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 1 << 20, maxRows: Int = 10_000,
                driftWindow: Int = 10_000, idleTimeout: Double = 30, maxConnections: Int = 512) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxRows = maxRows
        self.driftWindow = driftWindow
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}
