import Foundation
import Testing
@testable import TandemServe

/// `Expect: 100-continue` is answered with `100 Continue` before the body is sent (curl waits
/// 1 s for it on bodies over 1 MB), in order on a pipelined connection, and not when RFC 9110
/// says not to: HTTP/1.0, a body declared over the limit, another expectation.
@Suite struct ServeExpectTests {
    static let body = "{\"rows\": [[1, \"red\"], [2, \"blue\"]]}"

    /// A request head (no body) declaring `length` bytes.
    static func head(version: String = "HTTP/1.1", expect: String? = "100-continue", length: Int = body.utf8.count) -> [UInt8] {
        var text = "POST /v1/predict \(version)\r\nHost: localhost\r\nContent-Length: \(length)\r\n"
        if let expect { text += "Expect: \(expect)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    @Test func continueThenTheAnswer() async throws {
        let (plain, interim, answer, second) = try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())]) { port in
            try await onThread { () -> (HTTPReply, HTTPReply, HTTPReply, HTTPReply) in
                let plain = try HTTPConnection(port: port).request("POST", "/v1/predict", body: Self.body)
                let c = try HTTPConnection(port: port, timeout: 5)
                try c.send(Self.head())   // the body only after the interim response
                let interim = try c.readReply()
                try c.send(Array(Self.body.utf8))
                let answer = try c.readReply()
                try c.send(Self.head(expect: "100-Continue") + Array(Self.body.utf8))   // body sent anyway, any case
                _ = try c.readReply()
                return (plain, interim, answer, try c.readReply())
            }
        }
        #expect(interim.status == 100, "\(interim.head)")
        #expect(answer.status == 200 && answer.body == plain.body, "\(answer.status) \(answer.body) vs \(plain.body)")
        #expect(second.status == 200 && second.body == plain.body)
    }

    /// The interim response of a request pipelined behind another comes after that one's response.
    @Test func pipelinedContinueWaitsForEarlierResponses() async throws {
        let statuses = try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())]) { port in
            try await onThread { () -> [Int] in
                let c = try HTTPConnection(port: port, timeout: 5)
                let first = Array("POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(Self.body.utf8.count)\r\n\r\n\(Self.body)".utf8)
                try c.send(first + Self.head())
                var statuses = [try c.readReply().status, try c.readReply().status]
                try c.send(Array(Self.body.utf8))
                statuses.append(try c.readReply().status)
                return statuses
            }
        }
        #expect(statuses == [200, 100, 200])
    }

    /// No interim response for HTTP/1.0, for a body declared over the limit (413 at once, without
    /// the body), or for an expectation other than 100-continue.
    @Test func noContinueWhereTheRFCSaysNot() async throws {
        let options = ServeOptions(port: 0, maxBodyBytes: 4096)
        let (old, over, other) = try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())], options: options) { port in
            try await onThread { () -> (HTTPReply, HTTPReply, HTTPReply) in
                let old = try HTTPConnection(port: port, timeout: 5)
                try old.send(Self.head(version: "HTTP/1.0") + Array(Self.body.utf8))
                let over = try HTTPConnection(port: port, timeout: 5)
                try over.send(Self.head(length: 5000))
                let other = try HTTPConnection(port: port, timeout: 5)
                try other.send(Self.head(expect: "something-else") + Array(Self.body.utf8))
                return (try old.readReply(), try over.readReply(), try other.readReply())
            }
        }
        #expect(old.status == 200, "HTTP/1.0: \(old.head)")
        #expect(over.status == 413, "over the limit: \(over.head)")
        #expect(other.status != 100, "another expectation: \(other.head)")
    }
}
