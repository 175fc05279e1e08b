import Foundation
import Testing
import TandemServe

/// Connections cannot be held open forever (issue 18, findings 4 and 10): before, partial requests
/// were never timed out (400 slowloris connections all held after 30 s).
@Suite struct ServeConnectionTests {
    static let options = ServeOptions(port: 0, idleTimeout: 1)

    @Test func aRequestWhoseHeadersNeverFinishIsClosedAfterTheIdleTimeout() async throws {
        let closed = try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())], options: Self.options) { port in
            try await onThread { () -> Double? in
                let c = try HTTPConnection(port: port)
                try c.send(Array("POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8))
                return c.secondsUntilClosed(limit: 8)
            }
        }
        let seconds = try #require(closed, "a half-sent request held its connection for 8 s (idle timeout 1 s)")
        #expect(seconds < 5)
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let (status, closed) = try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())], options: Self.options) { port in
            try await onThread { () -> (Int, Double?) in
                let c = try HTTPConnection(port: port)
                let reply = try c.request("GET", "/v1/models")
                return (reply.status, c.secondsUntilClosed(limit: 8))
            }
        }
        #expect(status == 200)
        let seconds = try #require(closed, "an idle keep-alive connection stayed open 8 s (idle timeout 1 s)")
        #expect(seconds < 5)
    }
}

extension ServeConnectionTests {
    /// A malformed chunk size is the client's error: 400 naming it (was 500 "internal error").
    /// The default idle timeout, not the suite's 1 s: in one CI run, with the process starved of
    /// CPU (the suite's tests all finished 20 s late), the connection was closed without a reply,
    /// most likely as idle because the client thread stalled over 1 s between connect and send.
    @Test func aMalformedChunkSizeIs400() async throws {
        let reply = try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())], options: ServeOptions(port: 0)) { port in
            try await onThread {
                let c = try HTTPConnection(port: port)
                try c.send(Array("POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"rows\": [[1, \"red\"]]}\r\n0\r\n\r\n".utf8))
                return try c.readReply()
            }
        }
        #expect(reply.status == 400, "\(reply.status) \(reply.body)")
    }
}

extension ServeConnectionTests {
    /// The address `tandem serve` prints is a usable URL (issue 18, finding 12: `http://::1:34033`).
    @Test func ipv6HostsAreBracketedInURLs() {
        #expect(ServeOptions(host: "::1").urlHost == "[::1]")
        #expect(ServeOptions(host: "127.0.0.1").urlHost == "127.0.0.1")
        #expect(ServeOptions(host: "localhost").urlHost == "localhost")
    }
}

extension ServeConnectionTests {
    static func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0 }

    /// Connections answered with an error are not held (issue 18, finding 4: after 100 requests
    /// with oversized headers answered 400, 97 sockets were still held 30 s after the clients
    /// closed). The clients here stay open, in-process, so the server's side of each connection
    /// is what must go: descriptors may grow by the 40 client sockets only.
    @Test func connectionsAnsweredWithAnErrorAreReleased() async throws {
        let counts = try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())], options: Self.options) { port in
            try await onThread { () -> (Int, Int) in
                let before = Self.openDescriptors()
                var clients: [HTTPConnection] = []
                for _ in 0..<40 {
                    let c = try HTTPConnection(port: port)
                    try c.send(Array("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n".utf8))
                    _ = try? c.readReply()
                    clients.append(c)
                }
                // Past the 1 s idle timeout. Polled rather than read once: on a loaded machine
                // the server may close them later, and tests running in parallel in this process
                // open descriptors of their own for a while.
                var after = Self.openDescriptors()
                let deadline = ContinuousClock.now + .seconds(20)
                Thread.sleep(forTimeInterval: 3)
                repeat {
                    after = Self.openDescriptors()
                    if after - clients.count <= before + 2 { break }
                    Thread.sleep(forTimeInterval: 0.5)
                } while ContinuousClock.now < deadline
                withExtendedLifetime(clients) {}
                return (before, after - clients.count)
            }
        }
        #expect(counts.1 <= counts.0 + 2, "server descriptors \(counts.0) before, \(counts.1) after 40 refused requests")
    }
}
