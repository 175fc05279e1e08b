import Hummingbird
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// A complete response: status, headers and the whole body. Both serving paths build one, so
/// Hummingbird's (`response`) and the event loop's (`InlinePredict`) send the same bytes.
struct ServeReply: Sendable {
    var status: HTTPResponse.Status
    /// The headers before `Content-Length` and `Date` (which the sender adds).
    var headers: HTTPFields
    var body: ByteBuffer
    /// `headers` as NIO's HTTP/1 codec converts them (`HTTPHeaders(headers)`), when made once for
    /// every reply of its kind; nil: the sender converts them.
    var http1Headers: HTTPHeaders? = nil

    /// The Hummingbird response (it adds `Content-Length`, the application adds `Date`).
    var response: Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// A 200 JSON reply's headers, and their HTTP/1 form, made once.
    private static let jsonFields: HTTPFields = {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return headers
    }()
    private static let jsonHTTP1 = HTTPHeaders(jsonFields)

    /// A 200 reply of `body` as `application/json`.
    static func json(_ body: ByteBuffer) -> ServeReply {
        ServeReply(status: .ok, headers: jsonFields, body: body, http1Headers: jsonHTTP1)
    }
}
