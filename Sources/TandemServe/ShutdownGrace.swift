import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Graceful shutdown that does not drop requests on keep-alive connections.
///
/// On shutdown Hummingbird tells each connection to quiesce: one with a request in progress
/// closes after answering it, an idle one closes at once. A client on a keep-alive connection
/// that had just sent its next request then lost it without a response (measured: 8 of 8
/// connections, each sending a request every 10 ms, lost one at SIGTERM). This handler, placed
/// in front of Hummingbird's connection state handler, holds the quiesce event of an idle
/// connection back for `grace`: a request that arrives meanwhile is answered (and the
/// connection closed after it); a connection still idle when the grace ends is closed. Every
/// response written once shutdown began says `Connection: close`, so a client sends no further
/// request on that connection (without it, clients sent one more and lost it).
final class ShutdownGrace: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let grace: TimeAmount
    /// Requests whose head arrived and whose response has not ended.
    private var inProgress = 0
    /// The quiesce event held back while the connection was idle.
    private var held: (any Sendable)?
    private var timer: Scheduled<Void>?
    /// Shutdown began: responses say `Connection: close`.
    private(set) var quiescing = false

    /// A handler holding an idle connection's quiesce event for `grace` seconds.
    init(grace: Double) {
        self.grace = .nanoseconds(Int64(max(0, grace) * 1e9))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let isHead: Bool
        if case .head = unwrapInboundIn(data) { isHead = true } else { isHead = false }
        if isHead { inProgress += 1 }
        context.fireChannelRead(data)
        // The state handler now counts this request in progress: quiescing closes after its response.
        if isHead { release(context) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where quiescing:
            head.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            return
        case .end:
            inProgress = max(0, inProgress - 1)
        default:
            break
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { quiescing = true }
        guard event is ChannelShouldQuiesceEvent, inProgress == 0, held == nil, grace > .zero else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        held = ChannelShouldQuiesceEvent()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: grace) { [self] in
            timer = nil
            release(context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    /// Passes the held quiesce event on, if there is one.
    private func release(_ context: ChannelHandlerContext) {
        guard let event = held else { return }
        held = nil
        timer?.cancel()
        timer = nil
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension ShutdownGrace: Sendable {}
