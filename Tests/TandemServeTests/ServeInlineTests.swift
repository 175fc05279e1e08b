import Foundation
import Testing
@testable import TandemServe

/// Small predict requests answered on the event loop (`InlinePredict`) give the replies
/// Hummingbird's path gives, in order, and leave every other request to it.
@Suite struct ServeInlineTests {
    /// A request's bytes: `body` with `Content-Length` or, `chunked`, in two chunks (which
    /// `InlinePredict` passes on, so Hummingbird answers).
    static func request(_ path: String = "/v1/predict", method: String = "POST", body: String, chunked: Bool = false,
                        headers: String = "") -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n\(headers)"
        if chunked {
            let b = Array(body.utf8), half = b.count / 2
            text += "Transfer-Encoding: chunked\r\n\r\n"
            for part in [b[..<half], b[half...]] where !part.isEmpty {
                text += String(part.count, radix: 16) + "\r\n" + String(decoding: part, as: UTF8.self) + "\r\n"
            }
            text += "0\r\n\r\n"
        } else {
            text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        }
        return Array(text.utf8)
    }

    /// A reply's head without its `Date` line, and its body.
    static func comparable(_ r: HTTPReply) -> String {
        r.head.components(separatedBy: "\r\n").filter { !$0.lowercased().hasPrefix("date:") }.joined(separator: "\r\n") + "\r\n\r\n" + r.body
    }

    static func rows(_ values: [Int]) -> String {
        "{\"rows\": [" + values.map { "[\($0), \"red\"]" }.joined(separator: ",") + "]}"
    }

    /// Every reply the event loop gives (predictions and each kind of error), predicted there or
    /// (`inlineBytes` 0) on a worker, is the one Hummingbird's path gives for the same request,
    /// apart from the `Date` value.
    @Test(arguments: [4096, 0]) func repliesAreHummingbirds(inlineBytes: Int) async throws {
        var options = ServeOptions(port: 0)
        options.maxRows = 3
        options.inlineBytes = inlineBytes
        let server = try Fixtures.server([ServedModel(name: "t", artifact: Fixtures.artifact())], options: options)
        let cases: [(path: String, body: String)] = [
            ("/v1/predict", Self.rows([1])), ("/v1/predict", Self.rows([1, 2, 3])), ("/v1/models/t/predict", Self.rows([2])),
            ("/v1/predict/", Self.rows([1])), ("/v1/predict?x=1", Self.rows([1])),
            ("/v1/predict", Self.rows([1, 2, 3, 4])),  // too many rows: 413
            ("/v1/predict", "{\"rows\": [[1, \"red\"]"), ("/v1/predict", "{\"rows\": [[1]]}"), ("/v1/predict", "{\"rows\": [[\"x\", \"red\"]]}"),
            ("/v1/predict", "[]"), ("/v1/predict", " "), ("/v1/models/nope/predict", Self.rows([1])),
        ]
        let (inline, pairs) = try await Fixtures.withServer(server) { port, server in
            let pairs = try await onThread { () -> [(String, String)] in
                let c = try HTTPConnection(port: port)
                return try cases.map { path, body in
                    try c.send(Self.request(path, body: body))
                    let taken = try c.readReply()
                    guard taken.head.hasSuffix("\r\nDate: \(taken.headers["date"] ?? "-")"), taken.headers["date"]?.hasSuffix(" GMT") == true else {
                        throw HTTPConnection.Failure(description: "no Date header last: \(taken.head)")
                    }
                    try c.send(Self.request(path, body: body, chunked: true))
                    let passed = try c.readReply()
                    return (Self.comparable(taken), Self.comparable(passed))
                }
            }
            return ((server.metrics.inlineRequests, server.metrics.handedOffRequests), pairs)
        }
        #expect(inlineBytes > 0 ? inline == (cases.count, 0) : inline == (0, cases.count), "every Content-Length request taken by InlinePredict: \(inline)")
        for (i, (taken, passed)) in pairs.enumerated() {
            #expect(taken == passed, "\(cases[i].path) \(cases[i].body)")
        }
        #expect(pairs[0].0.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "))
        #expect(pairs[5].0.hasPrefix("HTTP/1.1 413"))
        #expect(pairs[11].0.hasPrefix("HTTP/1.1 404"))
    }

    /// Pipelined requests are answered in the order sent: a small predict behind one answered by
    /// a worker (a body over `inlineBytes`) or by Hummingbird's routes waits for it.
    @Test func pipelinedRequestsKeepTheirOrder() async throws {
        let server = try Fixtures.server([ServedModel(name: "t", artifact: Fixtures.artifact())])
        let large = Self.rows(Array(0..<600))   // over the 4096-byte inline limit: a worker predicts it
        let requests: [(path: String, body: String?)] = [
            ("/v1/predict", large), ("/v1/predict", Self.rows([1])), ("/v1/models", nil), ("/v1/predict", Self.rows([2])),
            ("/v1/models/t/predict", Self.rows([3])), ("/healthz", nil), ("/v1/predict", Self.rows([4])), ("/v1/predict", large),
            ("/v1/predict", Self.rows([5])),
        ]
        let (inline, alone, pipelined) = try await Fixtures.withServer(server) { port, server in
            let (alone, pipelined) = try await onThread { () -> ([String], [String]) in
                let c = try HTTPConnection(port: port)
                let alone = try requests.map { path, body in
                    try c.send(body.map { Self.request(path, body: $0) } ?? Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
                    return Self.comparable(try c.readReply())
                }
                let p = try HTTPConnection(port: port)
                try p.send(requests.flatMap { path, body in
                    body.map { Self.request(path, body: $0) } ?? Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
                })
                return (alone, try requests.map { _ in Self.comparable(try p.readReply()) })
            }
            return ((server.metrics.inlineRequests, server.metrics.handedOffRequests), alone, pipelined)
        }
        #expect(inline.0 >= 5, "the small predicts sent alone are taken on the event loop")
        #expect(inline.1 >= 2, "the large predicts sent alone are taken and handed to a worker")
        let inOrder = pipelined == alone   // compared apart: the replies are long
        #expect(inOrder, "pipelined replies differ from the same requests sent one at a time; body lengths \(pipelined.map(\.count)) against \(alone.map(\.count))")
    }

    /// Bodies over the limit get 413 (through Hummingbird) and bodies between `inlineBytes` and the
    /// limit go to a worker (taken by `InlinePredict`); a request with `Connection: close` is answered and its
    /// connection closed; keep-alive connections alternate between both paths.
    @Test func limitsAndConnectionHeaders() async throws {
        var options = ServeOptions(port: 0, maxBodyBytes: 8192)
        options.inlineBytes = 1024
        let server = try Fixtures.server([ServedModel(name: "t", artifact: Fixtures.artifact())], options: options)
        let (inline, replies, closed) = try await Fixtures.withServer(server) { port, server in
            let (replies, closed) = try await onThread { () -> ([HTTPReply], Double?) in
                let c = try HTTPConnection(port: port)
                var replies: [HTTPReply] = []
                for i in 0..<50 {   // keep-alive, both paths
                    try c.send(Self.request(body: Self.rows(i % 5 == 0 ? Array(0..<200) : [i])))
                    replies.append(try c.readReply())
                }
                try c.send(Self.request(body: Self.rows(Array(0..<800))))   // over 8192 bytes: 413
                replies.append(try c.readReply())
                try c.send(Self.request(body: Self.rows([7]), headers: "Connection: close\r\n"))
                replies.append(try c.readReply())
                return (replies, c.secondsUntilClosed(limit: 5))
            }
            return ((server.metrics.inlineRequests, server.metrics.handedOffRequests), replies, closed)
        }
        #expect(replies.prefix(50).allSatisfy { $0.status == 200 })
        #expect(replies[50].status == 413, "\(replies[50].body)")
        #expect(replies[51].status == 200)
        #expect(closed != nil, "the connection stayed open after Connection: close")
        #expect(inline == (40, 10), "the 40 small keep-alive requests predicted on the event loop, the 10 larger on a worker: \(inline)")
    }

    /// A `HEAD` request after replies written on the event loop (pipelined or one at a time) gets
    /// its head without a body: the event loop's replies pass NIO's response encoder, which pairs
    /// each response with its request's method, so none of them takes the `HEAD` request's place.
    @Test func headAfterInlineRepliesHasNoBody() async throws {
        let server = try Fixtures.server([ServedModel(name: "t", artifact: Fixtures.artifact())])
        let head = Array("HEAD /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        let (inline, replies) = try await Fixtures.withServer(server) { port, server in
            let replies = try await onThread { () -> [HTTPReply] in
                let c = try HTTPConnection(port: port)
                var replies: [HTTPReply] = []
                for i in 0..<3 {
                    try c.send(Self.request(body: Self.rows([i])))
                    replies.append(try c.readReply())
                }
                try c.send(head)
                replies.append(try c.readReply(bodyless: true))
                try c.send(Self.request(body: Self.rows([1])) + head + Self.request(body: Self.rows([2])))
                replies.append(try c.readReply())
                replies.append(try c.readReply(bodyless: true))
                replies.append(try c.readReply())
                return replies
            }
            return (server.metrics.inlineRequests, replies)
        }
        // The last predict arrives behind the HEAD request (still unanswered): Hummingbird answers it.
        #expect(inline == 4, "the predicts taken on the event loop: \(inline)")
        #expect(replies.map(\.status) == [200, 200, 200, 405, 200, 405, 200])
        for i in [0, 1, 2, 4, 6] {
            #expect(replies[i].body.hasPrefix("{\"model\":\"t\""), "reply \(i): \(replies[i].body.prefix(80))")
        }
    }

    /// Connections closed while their request is on a worker (with more requests held behind
    /// it) cost nothing: the server goes on answering, on new connections and on one kept open.
    @Test func connectionClosedWhileAWorkerPredicts() async throws {
        let server = try Fixtures.server([ServedModel(name: "t", artifact: Fixtures.artifact())])
        let large = Self.rows(Array(0..<600))   // over the 4096-byte inline limit: a worker predicts it
        let (statuses, handedOff) = try await Fixtures.withServer(server) { port, server in
            let statuses = try await onThread { () -> [Int] in
                for _ in 0..<20 {
                    let c = try HTTPConnection(port: port)
                    try c.send(Self.request(body: large) + Self.request(body: Self.rows([1])) + Self.request(body: large))
                }   // each closed at once, its replies unread
                let c = try HTTPConnection(port: port)
                return try (0..<6).map { i in
                    try c.send(Self.request(body: i % 2 == 0 ? large : Self.rows([i])))
                    return try c.readReply().status
                }
            }
            return (statuses, server.metrics.handedOffRequests)
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        #expect(handedOff >= 3, "the large requests on the open connection went to a worker: \(handedOff)")
    }

    /// A connection busy with requests answered on the event loop is not closed by the idle
    /// timeout (the connection state handler sees them); once idle, it is.
    @Test func idleTimeoutSeesInlineRequests() async throws {
        let server = try Fixtures.server([ServedModel(name: "t", artifact: Fixtures.artifact())], options: ServeOptions(port: 0, idleTimeout: 1))
        let (statuses, closed) = try await Fixtures.withServer(server) { port, _ in
            try await onThread { () -> ([Int], Double?) in
                let c = try HTTPConnection(port: port)
                var statuses: [Int] = []
                for i in 0..<12 {   // 2.4 s of requests 0.2 s apart
                    try c.send(Self.request(body: Self.rows([i])))
                    statuses.append(try c.readReply().status)
                    Thread.sleep(forTimeInterval: 0.2)
                }
                return (statuses, c.secondsUntilClosed(limit: 8))
            }
        }
        #expect(statuses == Array(repeating: 200, count: 12))
        let seconds = try #require(closed, "an idle connection stayed open 8 s (idle timeout 1 s)")
        #expect(seconds < 5)
    }
}

/// The `Date` value the event loop writes, in Hummingbird's format (RFC 9110's IMF-fixdate).
@Suite struct HTTPDateTests {
    @Test func imfFixdate() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(1_709_251_199) == "Thu, 29 Feb 2024 23:59:59 GMT")
    }
}
