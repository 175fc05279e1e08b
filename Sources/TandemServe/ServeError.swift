import Hummingbird
import TandemFormats
import TandemTensor

/// A request the server refuses: `reason` says what is wrong and where (the route, the limit,
/// the model, the row and feature), and the HTTP status and message follow from it. Sent as
/// `{"error": "..."}`.
public struct ServeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// The request's rows are not what the model takes (400): `problem` says which row and
        /// feature and what was expected (`RowsRequest`, `RequestEncoder`).
        case invalidRequest(RequestProblem)
        /// The body is not valid JSON at `line`, `column` (byte `offset`): `problem`, and what
        /// was `found` there (400).
        case malformedJSON(line: Int, column: Int, offset: Int, problem: String, found: String)
        /// The body could not be read, e.g. a malformed chunk (400; `detail` from the framing).
        case unreadableBody(detail: String)
        /// The body is larger than `limit` bytes, the server's --max-body-bytes (413).
        case bodyTooLarge(limit: Int)
        /// The body holds more than `limit` rows, the server's --max-rows (413).
        case tooManyRows(limit: Int)
        /// No route serves `method` `path` (404).
        case noRoute(method: String, path: String)
        /// `path` accepts `allowed` only, not `method` (405, with `Allow`).
        case methodNotAllowed(path: String, allowed: String, method: String)
        /// No served model is called `name`; `serving` are the served ones (404).
        case noModel(name: String, serving: [String])
        /// All `threads` prediction workers are busy and `queueDepth` requests wait (503, `Retry-After: 1`).
        case overloaded(threads: Int, queueDepth: Int)
        /// The server is shutting down (503, `Retry-After: 1`).
        case shuttingDown
        /// An error the server did not expect (500; `detail` is the error).
        case internalError(detail: String)
    }

    /// The routes a 404 lists.
    static let routes = "POST /v1/predict, POST /v1/models/{name}/predict, GET /v1/model, GET /v1/models, GET /v1/models/{name}, GET /healthz, GET /metrics"

    /// What is wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// A 400 from the request parser naming the row, the feature and what was expected.
    static func badRequest(_ problem: RequestProblem) -> ServeError { ServeError(.invalidRequest(problem)) }

    /// The HTTP status code (4xx for a bad request, 5xx for a server fault).
    public var status: Int {
        switch reason {
        case .invalidRequest, .malformedJSON, .unreadableBody: 400
        case .bodyTooLarge, .tooManyRows: 413
        case .noRoute, .noModel: 404
        case .methodNotAllowed: 405
        case .overloaded, .shuttingDown: 503
        case .internalError: 500
        }
    }

    /// What is wrong, for the client.
    public var message: String {
        switch reason {
        case .invalidRequest(let problem):
            problem.message
        case .malformedJSON(let line, let column, let offset, let problem, let found):
            "malformed JSON at line \(line), column \(column) (byte \(offset)): \(problem), found \(found)"
        case .unreadableBody(let detail):
            "the request body could not be read: \(detail)"
        case .bodyTooLarge(let limit):
            "the request body is larger than \(limit) bytes (the server's --max-body-bytes); send fewer rows per request"
        case .tooManyRows(let limit):
            "too many rows: more than \(limit) in one request (the server's --max-rows); split the request"
        case .noRoute(let method, let path):
            "no route \(method) \(path); routes: \(Self.routes)"
        case .methodNotAllowed(let path, let allowed, let method):
            "\(path) accepts \(allowed) only, not \(method)"
        case .noModel(let name, let serving):
            "no model named '\(name)'; serving: \(serving.joined(separator: ", "))"
        case .overloaded(let threads, let queueDepth):
            "the server is overloaded: all \(threads) prediction workers are busy and \(queueDepth) requests are queued (--queue-depth); retry later"
        case .shuttingDown:
            "the server is shutting down and accepts no new predictions"
        case .internalError(let detail):
            "internal error: \(detail)"
        }
    }

    /// The `Allow` header value (405).
    var allow: String? {
        if case .methodNotAllowed(_, let allowed, _) = reason { return allowed }
        return nil
    }

    /// The `Retry-After` header value in seconds (503): the server cannot take the request now.
    public var retryAfter: Int? { status == 503 ? 1 : nil }

    /// `status: message`.
    public var description: String { "\(status): \(message)" }

    /// The JSON error response.
    func response() -> Response { reply().response }

    /// The JSON error reply (status, `Allow` and `Retry-After` where they apply, `{"error": ...}`).
    func reply() -> ServeReply {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        if let allow { fields[.allow] = allow }
        if let retryAfter { fields[.retryAfter] = String(retryAfter) }
        let body = "{\"error\":\(JSONText.quoted(message))}\n"
        return ServeReply(status: .init(code: status), headers: fields, body: ByteBuffer(string: body))
    }
}
