import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers small predict requests on the connection's event loop, without Hummingbird's request
/// task (its logger, the async channel's hand-offs and the task switches cost a single-row
/// request several times its prediction).
///
/// Sits after Hummingbird's connection state handler (and `ShutdownGrace`), which therefore see
/// every request and response as before: idle timeout, quiesce and `Connection: close` on
/// shutdown work unchanged. It takes a request only when all of these hold, and passes every
/// other one on untouched for Hummingbird to answer:
/// - `POST` to `/v1/predict` or `/v1/models/{name}/predict` (as `ServeResponder` routes it);
/// - a `Content-Length` of at most `inlineBytes` (and the body limit), no `Transfer-Encoding`,
///   no `Expect` (`ExpectContinue` removes an answered one), no `Connection` header (Hummingbird closes after `Connection: close`);
/// - no request passed on earlier on this connection is still waiting for its response (so
///   pipelined responses keep their order), and no decoding error was seen.
/// The reply comes from `ServeResponder.respondInline` (the same parse, prediction, metrics and
/// errors) with the headers Hummingbird adds: `Content-Length`, then `Date`.
final class InlinePredict: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Between requests, or in one passed on.
        case idle
        /// In a request taken here: its route and the body so far.
        case reading(ServeResponder.Route, name: Substring?, body: ByteBuffer?)
    }

    private let responder: ServeResponder
    /// The largest body taken here.
    private let limit: Int
    private var state = State.idle
    /// Requests passed on whose response has not ended.
    private var awaiting = 0
    /// After a decoding error: pass everything on.
    private var passAll = false
    private var date = HTTPDate()

    /// A handler answering predict requests of at most `inlineBytes` (and the body limit) with `responder`.
    init(responder: ServeResponder) {
        self.responder = responder
        limit = min(responder.server.options.inlineBytes, responder.server.options.maxBodyBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if awaiting == 0, !passAll, let (route, name) = takes(head) {
                state = .reading(route, name: name, body: nil)
                return
            }
            awaiting += 1
            state = .idle
        case .body(var chunk):
            guard case .reading(let route, let name, let body) = state else { break }
            if var body {
                state = .idle  // the buffer uniquely referenced while it grows
                body.writeBuffer(&chunk)
                state = .reading(route, name: name, body: body)
            } else {
                state = .reading(route, name: name, body: chunk)
            }
            return
        case .end:
            guard case .reading(let route, let name, let body) = state else { break }
            state = .idle
            let reply = responder.respondInline(route, name: name, body: body ?? ByteBuffer())
            var fields = reply.headers
            fields[.contentLength] = String(reply.body.readableBytes)
            fields[.date] = date.now()
            context.write(wrapOutboundOut(.head(HTTPResponse(status: reply.status, headerFields: fields))), promise: nil)
            context.write(wrapOutboundOut(.body(reply.body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { awaiting = max(0, awaiting - 1) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        passAll = true
        if case .reading = state { state = .idle }
        context.fireErrorCaught(error)
    }

    /// The predict route of `head` when this handler answers it.
    private func takes(_ head: HTTPRequest) -> (ServeResponder.Route, Substring?)? {
        let fields = head.headerFields
        guard head.method == .post, fields[.connection] == nil, fields[.expect] == nil, fields[.transferEncoding] == nil,
              let length = fields[.contentLength].flatMap({ Int($0) }), length >= 0, length <= limit
        else { return nil }
        let (route, name) = ServeResponder.Route.resolve(URI(head.path ?? "").path)
        guard route == .predict || route == .modelPredict else { return nil }
        return (route, name)
    }
}

@available(*, unavailable)
extension InlinePredict: Sendable {}
