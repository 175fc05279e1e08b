import NIOCore
import NIOHTTP1

/// Answers a request's `Expect: 100-continue` with `100 Continue`, so the client sends its body
/// at once.
///
/// A client that sends the expectation waits for the interim response before it sends the body,
/// or until its own timeout: curl adds the header to every body over 1 MB (so any request near
/// or above the default 1 MiB `--max-body-bytes`) and waited 1.0 s per request, since neither
/// NIO's decoder nor Hummingbird answers it. RFC 9110 section 10.1.1 is followed:
/// - the interim response goes out only for HTTP/1.1 and later (an HTTP/1.0 expectation is
///   ignored), and only when the declared `Content-Length` is within the body limit: a larger
///   body gets the usual 413 without being sent;
/// - the `100 Continue` of a pipelined request waits until every earlier request's response
///   has ended, so responses keep their order;
/// - once answered, the header is removed, so later handlers (`InlinePredict`) see a plain
///   request. An expectation other than `100-continue` is passed on untouched.
///
/// Sits right before Hummingbird's `HTTP1ToHTTPServerCodec`, where the request's HTTP version is
/// still known, and sees every response part on its way out.
final class ExpectContinue: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The body limit in bytes.
    private let limit: Int
    /// Requests read whose final response has not ended.
    private var awaiting = 0
    /// The version of a request owed `100 Continue` once the responses before it have ended.
    private var owed: HTTPVersion?

    /// A handler that invites bodies of at most `limit` bytes.
    init(limit: Int) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        awaiting += 1
        guard invites(head) else { return context.fireChannelRead(data) }
        head.headers.remove(name: "expect")
        if awaiting == 1 {
            sendContinue(context: context, version: head.version)
        } else {
            owed = head.version
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        awaiting = max(0, awaiting - 1)
        context.write(data, promise: promise)
        if awaiting == 1, let version = owed {
            owed = nil
            sendContinue(context: context, version: version)
        }
    }

    /// Whether `head` expects `100-continue` and gets it: HTTP/1.1 or later, the one expectation
    /// `100-continue` (ASCII case-insensitive), and no declared length over the limit.
    private func invites(_ head: HTTPRequestHead) -> Bool {
        let values = head.headers[canonicalForm: "expect"]
        guard head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1),
              values.count == 1, values[0].lowercased() == "100-continue"
        else { return false }
        let lengths = head.headers[canonicalForm: "content-length"]
        guard let text = lengths.first else { return true }
        guard lengths.count == 1, let length = Int(text), length >= 0 else { return false }
        return length <= limit
    }

    private func sendContinue(context: ChannelHandlerContext, version: HTTPVersion) {
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .continue))), promise: nil)
    }
}

@available(*, unavailable)
extension ExpectContinue: Sendable {}
