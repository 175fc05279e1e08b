import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel with a `ChunkSizeGuard` in front of its decoder and, with
/// `inline`, an `InlinePredict` after its connection state handler.
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
            if let inline {
                let pipeline = channel.pipeline.syncOperations
                let state = try pipeline.handler(type: HTTPConnectionStateHandler.self)
                try pipeline.addHandler(InlinePredict(responder: inline), position: .after(state))
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
