import HummingbirdCore
import Logging
import NIOCore

/// Answers a chunked request whose declared chunk size exceeds the body limit with 413 at once.
///
/// The HTTP decoder hands body bytes on as they arrive and never the declared chunk size, so a
/// chunk of `ffffffffffffffff` bytes left the connection waiting for data that never came (and a
/// client that half-closed got a 400). This handler sits in front of the decoder, follows the
/// request framing on the raw bytes (heads, Content-Length bodies, chunk-size lines, trailers),
/// and on an oversized chunk size hands the decoder a body of `limit + 1` bytes in its place,
/// which `collect(upTo:)` turns into the usual 413 (in order after earlier pipelined requests),
/// then drops the rest of the connection's input. Anything it does not follow it passes on
/// untouched, for the decoder to judge.
final class ChunkSizeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case head, chunkSize, trailer
        /// Bytes of a Content-Length body or chunk (with its CRLF) still to pass.
        case body(Int)
        /// Stopped following the framing (something unusual): pass everything on.
        case passThrough
        /// After an oversized chunk: drop all further input.
        case discard
    }

    private let limit: Int
    private var state = State.head
    /// The current line's bytes (heads, chunk sizes, trailers), at most `maxLine`.
    private var line: [UInt8] = []
    private var chunked = false
    private var contentLength = 0
    private static let maxLine = 64 * 1024
    /// The largest limit the substitute body is made for (it takes `limit + 1` bytes); with a
    /// larger `--max-body-bytes` an oversized chunk waits for its bytes (413 once they exceed
    /// the limit) or `--idle-timeout`.
    static let maxFiller = 64 << 20

    /// A guard for bodies of at most `limit` bytes.
    init(limit: Int) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch state {
        case .passThrough: return context.fireChannelRead(data)
        case .discard: return
        default: break
        }
        let bytes = buffer.readableBytesView
        var i = bytes.startIndex
        var lineStart = i   // where the line being read began in this buffer
        scan: while i < bytes.endIndex {
            switch state {
            case .body(let n):
                let take = min(n, bytes.endIndex - i)
                i += take
                state = take < n ? .body(n - take) : (chunked ? .chunkSize : .head)
                lineStart = i
                continue scan
            case .passThrough, .discard:
                break scan
            case .head, .chunkSize, .trailer:
                break
            }
            // The rest of the line at once (per byte, the property accesses cost more than the scan).
            let end = bytes[i...].firstIndex(of: 0x0A)
            line.append(contentsOf: bytes[i..<(end ?? bytes.endIndex)])
            i = end.map { $0 + 1 } ?? bytes.endIndex
            if line.count > Self.maxLine {
                state = .passThrough
                line.removeAll()
                continue
            }
            guard end != nil else { continue }
            if line.last == 0x0D { line.removeLast() }
            if case .chunkSize = state, let size = Self.chunkSize(line), size > limit, limit < Self.maxFiller {
                line.removeAll(keepingCapacity: true)
                // Pass what came before this line, then a body just over the limit and its end.
                var before = buffer
                before.moveWriterIndex(to: buffer.readerIndex + (lineStart - bytes.startIndex))
                if before.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(before)) }
                let over = limit + 1
                var fake = context.channel.allocator.buffer(capacity: over + 32)
                fake.writeString(String(over, radix: 16) + "\r\n")
                fake.writeRepeatingByte(0x20, count: over)
                fake.writeString("\r\n0\r\n\r\n")
                context.fireChannelRead(wrapInboundOut(fake))
                state = .discard
                return
            }
            advance(line)
            line.removeAll(keepingCapacity: true)  // after `advance`, so the buffer is not shared and keeps its storage
            lineStart = i
        }
        context.fireChannelRead(data)
    }

    /// Moves the framing on after one complete line.
    private func advance(_ text: [UInt8]) {
        switch state {
        case .head:
            if text.isEmpty {
                state = chunked ? .chunkSize : (contentLength > 0 ? .body(contentLength) : .head)
                return
            }
            // Matched on bytes, ASCII letters case-insensitively, as the HTTP parser reads header
            // names (tokens are ASCII) and trims a value's optional whitespace (spaces and tabs).
            if Self.hasPrefix(text, "transfer-encoding:") && Self.contains(text, "chunked") { chunked = true }
            if Self.hasPrefix(text, "content-length:") {
                var value = text.dropFirst("content-length:".utf8.count)
                while let b = value.first, b == 0x20 || b == 0x09 { value.removeFirst() }
                while let b = value.last, b == 0x20 || b == 0x09 { value.removeLast() }
                guard let n = Int(String(decoding: value, as: UTF8.self)), n >= 0 else {
                    state = .passThrough
                    return
                }
                contentLength = n
            }
            if Self.hasPrefix(text, "http/") || Self.contains(text, " http/") { chunked = false; contentLength = 0 }   // a request line
        case .chunkSize:
            guard let size = Self.chunkSize(text) else { state = .passThrough; return }
            state = size == 0 ? .trailer : .body(size + 2)
        case .trailer:
            if text.isEmpty { state = .head; chunked = false; contentLength = 0 }
        case .body, .passThrough, .discard:
            break
        }
    }

    /// Whether `text` with its ASCII letters lowercased starts with `prefix` (lowercase ASCII).
    static func hasPrefix(_ text: [UInt8], _ prefix: StaticString) -> Bool {
        text.withUnsafeBufferPointer { matches($0, at: 0, prefix) }
    }

    /// Whether `text[start...]`, ASCII letters lowercased, starts with `pattern` (lowercase ASCII).
    /// Over buffer pointers: every header line takes this scan, per byte.
    private static func matches(_ text: UnsafeBufferPointer<UInt8>, at start: Int, _ pattern: StaticString) -> Bool {
        let n = pattern.utf8CodeUnitCount
        guard text.count - start >= n, let base = text.baseAddress else { return false }
        let p = pattern.utf8Start
        for k in 0..<n where lowercased(base[start + k]) != p[k] { return false }
        return true
    }

    /// Whether `text` with its ASCII letters lowercased contains `pattern` (lowercase ASCII).
    static func contains(_ text: [UInt8], _ pattern: StaticString) -> Bool {
        let n = pattern.utf8CodeUnitCount
        guard n > 0, text.count >= n else { return text.count >= n }
        let first = pattern.utf8Start[0]
        return text.withUnsafeBufferPointer { t in
            guard let base = t.baseAddress else { return false }
            for start in 0...(t.count - n) where lowercased(base[start]) == first && matches(t, at: start, pattern) { return true }
            return false
        }
    }

    /// `b` lowercased (ASCII letters only).
    private static func lowercased(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    /// The size on a chunk-size line (hex digits, optionally `;extensions`); `Int.max` when it
    /// does not fit an Int; nil when it is not hex.
    static func chunkSize(_ line: [UInt8]) -> Int? {
        let digits = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 0x20 && $0 != 0x09 }
        guard !digits.isEmpty else { return nil }
        var value = 0
        for d in digits {
            guard let v = Int(String(UnicodeScalar(d)), radix: 16) else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 16)
            let (sum, o2) = times.addingReportingOverflow(v)
            if o1 || o2 { return Int.max }
            value = sum
        }
        return value
    }
}

@available(*, unavailable)
extension ChunkSizeGuard: Sendable {}
