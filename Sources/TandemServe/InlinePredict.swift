import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Answers predict requests without Hummingbird's request task (its logger, the async channel's
/// hand-offs and the task switches cost a single-row request several times its prediction, and a
/// 64-row request a fifth or more of its server CPU): bodies of at most `inlineBytes` are predicted
/// on the connection's event loop, larger ones on a worker (`PredictionWorkers`), whose reply is
/// written back on the event loop.
///
/// Sits after Hummingbird's connection state handler (and `ShutdownGrace`), which therefore see
/// every request and response as before: idle timeout, quiesce and `Connection: close` on
/// shutdown work unchanged. It takes a request only when all of these hold, and passes every
/// other one on untouched for Hummingbird to answer:
/// - `POST` to `/v1/predict` or `/v1/models/{name}/predict` (as `ServeResponder` routes it);
/// - a `Content-Length` of at most the body limit, no `Transfer-Encoding`,
///   no `Expect` (`ExpectContinue` removes an answered one), no `Connection` header (Hummingbird closes after `Connection: close`);
/// - no request passed on earlier on this connection is still waiting for its response (so
///   pipelined responses keep their order), and no decoding error was seen.
/// While a worker predicts, whatever arrives on the connection (request parts, errors) waits here,
/// and once something waits, reads from the socket stop; both resume once the reply is written,
/// so replies keep the requests' order.
/// The reply comes from `ServeResponder.respondInline` / `respondOnWorker` (the same parse,
/// prediction, metrics and errors) with the headers Hummingbird adds: `Content-Length`, then `Date`.
///
/// The reply's head and body go straight to NIO's response encoder (written from `encoderSide`,
/// the context of the handler right before it) as the `HTTPResponseHead` that
/// `HTTP1ToHTTPServerCodec` would make of them, so the bytes are the same; only its end passes
/// through the handlers in between (the connection state handler, `ShutdownGrace`, the codec,
/// `ExpectContinue`), which count responses at their end; head and body skip four handler calls
/// each and the conversion from HTTP types. Once shutdown began, replies take the whole way, so
/// `ShutdownGrace` adds `Connection: close` to their heads.
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
        /// A request taken here is being predicted on a worker.
        case predicting
    }

    /// What arrived while a worker predicted, in order.
    private enum Held {
        case read(NIOAny)
        case error(any Error)
    }

    private let responder: ServeResponder
    /// The largest body taken here.
    private let limit: Int
    /// The largest body predicted on the event loop.
    private let inlineBytes: Int
    private var state = State.idle
    /// Requests passed on whose response has not ended.
    private var awaiting = 0
    /// After a decoding error: pass everything on.
    private var passAll = false
    private var date = HTTPDate()
    /// Arrived while `.predicting`.
    private var held = CircularBuffer<Held>()
    /// A read from the socket asked for while `.predicting`.
    private var readWaiting = false
    /// The context whose next outbound handler is NIO's `HTTPResponseEncoder` (nil once closed).
    private var encoderSide: ChannelHandlerContext?
    /// The connection's `ShutdownGrace`, which says whether shutdown began.
    private let grace: ShutdownGrace?

    /// A handler answering predict requests of at most the body limit with `responder`, writing
    /// heads and bodies from `encoderSide` (whose next outbound handler must be NIO's response
    /// encoder) unless `grace` is quiescing.
    init(responder: ServeResponder, encoderSide: ChannelHandlerContext, grace: ShutdownGrace?) {
        self.responder = responder
        self.encoderSide = encoderSide
        self.grace = grace
        limit = responder.server.options.maxBodyBytes
        inlineBytes = responder.server.options.inlineBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .predicting = state {
            held.append(.read(data))
            return
        }
        handle(context: context, data: data)
    }

    /// `channelRead` outside `.predicting`.
    private func handle(context: ChannelHandlerContext, data: NIOAny) {
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
            guard case .reading(let route, let name, let read) = state else { break }
            let body = read ?? ByteBuffer()
            if body.readableBytes <= inlineBytes {
                state = .idle
                send(responder.respondInline(route, name: name, body: body), context: context)
                return
            }
            state = .predicting
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            responder.respondOnWorker(route, name: name, body: body) { reply in
                bound.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.predicted(reply, context: context)
                }
            }
            return
        }
        context.fireChannelRead(data)
    }

    /// Writes `reply` with `Content-Length` and `Date`: head and body to the encoder, the end
    /// through the handlers in between.
    private func send(_ reply: ServeReply, context: ChannelHandlerContext) {
        guard let encoderSide, !(grace?.quiescing ?? false) else { return sendThrough(reply, context: context) }
        // `HTTPHeaders(HTTPFields)` as the codec converts (made once for a JSON 200); `reply.headers`
        // has neither field added here.
        var headers = reply.http1Headers ?? HTTPHeaders(reply.headers)
        headers.add(name: HTTPField.Name.contentLength.rawName, value: String(reply.body.readableBytes))
        headers.add(name: HTTPField.Name.date.rawName, value: date.now())
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: reply.status.code, reasonPhrase: reply.status.reasonPhrase),
                                    headers: headers)
        encoderSide.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        encoderSide.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(reply.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// `send` through every handler (once shutdown began: `ShutdownGrace` marks the head).
    private func sendThrough(_ reply: ServeReply, context: ChannelHandlerContext) {
        var fields = reply.headers
        fields[.contentLength] = String(reply.body.readableBytes)
        fields[.date] = date.now()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: reply.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(reply.body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// A worker's reply, on the event loop: writes it, then handles what arrived meanwhile (until
    /// another request goes to a worker) and resumes reading.
    private func predicted(_ reply: ServeReply, context: ChannelHandlerContext) {
        state = .idle
        send(reply, context: context)
        var replayed = false
        while !held.isEmpty {
            if case .predicting = state { return }
            switch held.removeFirst() {
            case .read(let data):
                replayed = true
                handle(context: context, data: data)
            case .error(let error):
                failed(context: context, error: error)
            }
        }
        if case .predicting = state { return }
        // Hummingbird's async channel hands the reads passed on to its request loop at read-complete.
        if replayed { context.fireChannelReadComplete() }
        if readWaiting {
            readWaiting = false
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { awaiting = max(0, awaiting - 1) }
        context.write(data, promise: promise)
    }

    /// Reading goes on while a worker predicts until something arrives to be held (a pipelined
    /// request): pausing it for every handed-off request cost two `epoll_ctl` calls each.
    func read(context: ChannelHandlerContext) {
        if case .predicting = state, !held.isEmpty {
            readWaiting = true
            return
        }
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        held.removeAll()  // nothing left to answer them on
        encoderSide = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .predicting = state {
            held.append(.error(error))
            return
        }
        failed(context: context, error: error)
    }

    /// `errorCaught` outside `.predicting`.
    private func failed(context: ChannelHandlerContext, error: any Error) {
        passAll = true
        if case .reading = state { state = .idle }
        context.fireErrorCaught(error)
    }

    /// The predict route of `head` when this handler answers it.
    private func takes(_ head: HTTPRequest) -> (ServeResponder.Route, Substring?)? {
        let fields = head.headerFields
        guard head.method == .post, !fields.contains(.connection), !fields.contains(.expect), !fields.contains(.transferEncoding)
        else { return nil }
        // One Content-Length field (several are Hummingbird's to judge), without `fields[.contentLength]`'s join.
        var length: Int?
        for field in fields where field.name == .contentLength {
            guard length == nil, let n = Int(field.value) else { return nil }
            length = n
        }
        guard let length, length >= 0, length <= limit else { return nil }
        // The benchmark's and most clients' path as it is, without parsing a URI.
        let path = head.path ?? ""
        let (route, name) = path == ServeResponder.Route.predict.rawValue ? (.predict, nil) : ServeResponder.Route.resolve(URI(path).path)
        guard route == .predict || route == .modelPredict else { return nil }
        return (route, name)
    }
}

@available(*, unavailable)
extension InlinePredict: Sendable {}
