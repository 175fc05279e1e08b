import Hummingbird

/// A complete response: status, headers and the whole body. Both serving paths build one, so
/// Hummingbird's (`response`) and the event loop's (`InlinePredict`) send the same bytes.
struct ServeReply: Sendable {
    var status: HTTPResponse.Status
    /// The headers before `Content-Length` and `Date` (which the sender adds).
    var headers: HTTPFields
    var body: ByteBuffer

    /// The Hummingbird response (it adds `Content-Length`, the application adds `Date`).
    var response: Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// A 200 reply of `body` as `application/json`.
    static func json(_ body: ByteBuffer) -> ServeReply {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return ServeReply(status: .ok, headers: headers, body: body)
    }
}
