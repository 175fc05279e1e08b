import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with a `ChunkSizeGuard` in front of its decoder, an
/// `ExpectContinue` before its conversion to HTTP types (so right before NIO's response encoder)
/// and, with `inline`, an `InlinePredict` after its connection state handler.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    /// The body limit in bytes.
    let limit: Int
    /// Answers small predict requests on the event loop.
    var inline: ServeResponder?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limit = self.limit, inline = self.inline
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ChunkSizeGuard(limit: limit))
        }.flatMap { inner.setup(channel: channel, logger: logger) }.flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandler(ExpectContinue(limit: limit), position: .before(codec))
            if let inline {
                let state = try pipeline.handler(type: HTTPConnectionStateHandler.self)
                // ExpectContinue's next outbound handler is the response encoder (the decoder between them is inbound only).
                let encoderSide = try pipeline.context(handlerType: ExpectContinue.self)
                let grace = try? pipeline.handler(type: ShutdownGrace.self)
                try pipeline.addHandler(InlinePredict(responder: inline, encoderSide: encoderSide, grace: grace), position: .after(state))
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
