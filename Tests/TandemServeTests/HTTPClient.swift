import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A response read by `HTTPConnection`.
struct HTTPReply: Sendable {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: String
    /// The status line and header lines as sent.
    var head = ""
}

/// A minimal blocking HTTP/1.1 client over one keep-alive loopback connection, so the tests
/// can send exactly the bytes they mean (bad JSON, wrong methods, oversized bodies) without
/// pulling an HTTP client package. Use from plain threads only (see `onThread`).
final class HTTPConnection {
    private let fd: Int32
    private var pending: [UInt8] = []

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// A connection to the loopback `port`; with `timeout`, a read waiting longer than that many
    /// seconds fails instead of blocking.
    init(port: Int, timeout: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw Failure(description: "connect to port \(port): errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let timeout {
            var tv = timeval(tv_sec: timeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit { close(fd) }

    /// Sends one request and reads the whole response.
    func request(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) throws -> HTTPReply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body, headers["Content-Length"] == nil { head += "Content-Length: \(body.utf8.count)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + Array((body ?? "").utf8)
        try send(bytes)
        return try readReply()
    }

    /// Writes all of `bytes`.
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
    }

    /// Reads one response (Content-Length framed, as Hummingbird sends them); `bodyless`: a reply
    /// to `HEAD`, which has no body whatever its `Content-Length` says.
    func readReply(bodyless: Bool = false) throws -> HTTPReply {
        var headerEnd: Int?
        while true {
            if let r = find([13, 10, 13, 10]) { headerEnd = r; break }
            try fill()
        }
        guard let end = headerEnd else { throw Failure(description: "no header") }
        let head = String(decoding: pending[..<end], as: UTF8.self)
        pending.removeFirst(end + 4)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = bodyless ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while pending.count < length { try fill() }
        let body = String(decoding: pending[..<length], as: UTF8.self)
        pending.removeFirst(length)
        return HTTPReply(status: status, headers: headers, body: body, head: head)
    }

    /// Seconds until the server closes the connection (recv returns 0 or a reset), reading and
    /// dropping anything it sends; nil when it is still open after `limit` seconds.
    func secondsUntilClosed(limit: Double) -> Double? {
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(start) < limit {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { return Date().timeIntervalSince(start) }
        }
        return nil
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard pending.count >= pattern.count else { return nil }
        for i in 0...(pending.count - pattern.count) where pending[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
        return nil
    }

    private func fill() throws {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw Failure(description: "connection closed (recv \(n), errno \(errno))") }
        pending.append(contentsOf: buffer[..<n])
    }
}

/// Runs blocking work on a new thread (never on the cooperative pool, which serves requests).
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// One request on a fresh connection, off the cooperative pool.
func http(_ port: Int, _ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) async throws -> HTTPReply {
    try await onThread { try HTTPConnection(port: port).request(method, path, body: body, headers: headers) }
}
