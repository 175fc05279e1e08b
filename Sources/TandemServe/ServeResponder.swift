import Hummingbird
import TandemFormats
import TandemTensor

/// Routes requests to the handlers and records each in the metrics. Paths and methods are
/// matched here (not by Hummingbird's router) so that a known path with the wrong method gets
/// 405 with `Allow`, and every refusal is a JSON `{"error": ...}`.
struct ServeResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let server: ModelServer
    /// Where predictions run (off the cooperative pool that serves the connections).
    let workers: PredictionWorkers

    /// The route templates (metric labels) and the method each accepts.
    enum Route: String, CaseIterable {
        case predict = "/v1/predict", modelPredict = "/v1/models/{name}/predict"
        case model = "/v1/model", namedModel = "/v1/models/{name}", models = "/v1/models"
        case health = "/healthz", metrics = "/metrics", unknown = "unmatched"

        /// The route's position in `allCases`.
        var index: Int {
            switch self {
            case .predict: 0
            case .modelPredict: 1
            case .model: 2
            case .namedModel: 3
            case .models: 4
            case .health: 5
            case .metrics: 6
            case .unknown: 7
            }
        }

        var method: HTTPRequest.Method { self == .predict || self == .modelPredict ? .post : .get }

        /// The route of `path` and the model name in it, if any.
        static func resolve(_ path: String) -> (Route, name: Substring?) {
            if path == Route.predict.rawValue { return (.predict, nil) }  // most requests: no split
            var parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            if parts.count > 1, parts.last == "" { parts = parts.dropLast() }  // one trailing slash
            switch Array(parts) {
            case ["v1", "predict"]: return (.predict, nil)
            case ["v1", "model"]: return (.model, nil)
            case ["v1", "models"]: return (.models, nil)
            case ["healthz"]: return (.health, nil)
            case ["metrics"]: return (.metrics, nil)
            case let p where p.count == 3 && p[0] == "v1" && p[1] == "models" && !p[2].isEmpty: return (.namedModel, p[2])
            case let p where p.count == 4 && p[0] == "v1" && p[1] == "models" && !p[2].isEmpty && p[3] == "predict": return (.modelPredict, p[2])
            default: return (.unknown, nil)
            }
        }
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let (route, name) = Route.resolve(request.uri.path)
        let response: Response
        do {
            response = try await handle(route, name: name, request: request)
        } catch {
            response = Self.reply(for: error).response
        }
        record(route, code: response.status.code, since: start)
        return response
    }

    /// Answers a `POST` to a predict route whose body is read (at most `inlineBytes`) here, on
    /// the caller's thread: the reply and the metrics `respond` gives for the same request.
    func respondInline(_ route: Route, name: Substring?, body: ByteBuffer) -> ServeReply {
        let start = ContinuousClock.now
        let reply: ServeReply
        do {
            reply = try predicted(server.model(name), body: body)
        } catch {
            reply = Self.reply(for: error)
        }
        record(route, code: reply.status.code, since: start, path: .eventLoop)
        return reply
    }

    /// Answers a `POST` to a predict route whose body is read here, predicting it on a worker:
    /// `done` gets the reply and the metrics `respond` gives for the same request, on the worker
    /// (or at once on the caller's thread for an unknown model or when the queue refuses the job:
    /// 404, 503 as `respond`).
    func respondOnWorker(_ route: Route, name: Substring?, body: ByteBuffer, done: @escaping @Sendable (ServeReply) -> Void) {
        let start = ContinuousClock.now
        let refusal: ServeError
        do {
            let model = try server.model(name)
            guard let refused = workers.submit({ [self] in
                let reply: ServeReply
                do {
                    reply = try predicted(model, body: body)
                } catch {
                    reply = Self.reply(for: error)
                }
                record(route, code: reply.status.code, since: start, path: .worker)
                done(reply)
            }) else { return }
            refusal = refused
        } catch {
            refusal = error
        }
        let reply = refusal.reply()
        record(route, code: reply.status.code, since: start, path: .worker)
        done(reply)
    }

    /// The error reply: a `ServeError`'s own, 500 for anything else.
    private static func reply(for error: any Error) -> ServeReply {
        (error as? ServeError ?? ServeError(.internalError(detail: "\(error)"))).reply()
    }

    /// Counts a request to `route` answered with `code` by `path`, timed from `start`.
    private func record(_ route: Route, code: Int, since start: ContinuousClock.Instant, path: ServeMetrics.Path = .hummingbird) {
        let elapsed = ContinuousClock.now - start
        server.metrics.record(route: route, code: code,
                              seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, path: path)
    }

    private func handle(_ route: Route, name: Substring?, request: Request) async throws -> Response {
        guard route != .unknown else {
            throw ServeError(.noRoute(method: "\(request.method)", path: request.uri.path))
        }
        guard request.method == route.method else {
            throw ServeError(.methodNotAllowed(path: request.uri.path, allowed: route.method.rawValue, method: "\(request.method)"))
        }
        switch route {
        case .predict, .modelPredict:
            return try await predict(server.model(name), request: request)
        case .model, .namedModel:
            return Self.json(try server.model(name).summary)
        case .models:
            return Self.json("{\"models\":[" + server.models.map(\.summary).map { $0.dropLast() }.joined(separator: ",") + "],\"default\":\(JSONText.quoted(server.models[0].name))}\n")
        case .health:
            return Self.json("{\"status\":\"ok\",\"models\":[" + server.models.map { JSONText.quoted($0.name) }.joined(separator: ",") + "]}\n")
        case .metrics:
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: server.exposition())))
        case .unknown:
            throw ServeError(.noRoute(method: "\(request.method)", path: request.uri.path))
        }
    }

    /// Reads the body (413 over the limit), predicts on a worker (503 when the queue is full; a
    /// body of at most `inlineBytes` here), counts the rows.
    private func predict(_ model: ServedModel, request: Request) async throws -> Response {
        let limit = server.options.maxBodyBytes
        let tooLarge = ServeError(.bodyTooLarge(limit: limit))
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            throw tooLarge
        } catch {
            // The framing is the client's (a malformed chunk size, a connection cut mid-body): 400, not 500.
            throw ServeError(.unreadableBody(detail: "\(error)"))
        }
        if body.readableBytes <= server.options.inlineBytes { return try predicted(model, body: body).response }
        let maxRows = server.options.maxRows
        let (out, rows) = try await workers.run { try model.predict(body: body, maxRows: maxRows) }
        server.metrics.predicted(model: model.name, rows: rows)
        return ServeReply.json(out).response
    }

    /// Predicts `body` here and counts the rows: the 200 reply.
    private func predicted(_ model: ServedModel, body: ByteBuffer) throws -> ServeReply {
        let (out, rows) = try model.predict(body: body, maxRows: server.options.maxRows)
        server.metrics.predicted(model: model.name, rows: rows)
        return .json(out)
    }

    /// A 200 JSON response.
    static func json(_ text: String) -> Response {
        ServeReply.json(ByteBuffer(string: text)).response
    }
}
