import Hummingbird
import TandemFormats
import TandemTensor

/// A request the server refuses: an HTTP status and a message naming what is wrong (which row,
/// which feature, what was expected). Sent as `{"error": "..."}`.
public struct ServeError: Error, CustomStringConvertible, Sendable {
    /// The HTTP status code (4xx for a bad request, 5xx for a server fault).
    public var status: Int
    /// What is wrong, for the client.
    public var message: String
    /// The `Allow` header value (405).
    var allow: String?
    /// The `Retry-After` header value in seconds (503).
    public var retryAfter: Int?

    /// A refusal with `status` and `message`.
    public init(status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    /// `status: message`.
    public var description: String { "\(status): \(message)" }

    /// 400 Bad Request.
    static func badRequest(_ message: String) -> ServeError { ServeError(status: 400, message) }

    /// 503 Service Unavailable with `Retry-After: 1`: the server cannot take the request now.
    static func overloaded(_ message: String) -> ServeError {
        var e = ServeError(status: 503, message)
        e.retryAfter = 1
        return e
    }

    /// The JSON error response.
    func response() -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        if let allow { fields[.allow] = allow }
        if let retryAfter { fields[.retryAfter] = String(retryAfter) }
        let body = "{\"error\":\(JSONText.quoted(message))}\n"
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
