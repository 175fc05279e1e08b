import Foundation
import Testing
import TandemServe

/// JSON details of request bodies: whitespace, escapes, numbers, categorical missing tokens.
@Suite struct RowsRequestTests {
    static func post(_ body: String) async throws -> HTTPReply {
        try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())]) { port in
            try await http(port, "POST", "/v1/predict", body: body)
        }
    }

    @Test func escapesWhitespaceAndNumberFormsParse() async throws {
        let plain = try await Self.post(#"{"rows": [[2.5, "blue"], [0.000025e5, "red"]]}"#)
        let fancy = try await Self.post("\n{ \"rows\" :\t[ [ 25E-1 , \"\\u0062lu\\u0065\" ] ,[2.5,\"\\/red\"] ] }\r\n")
        #expect(plain.status == 200 && fancy.status == 200, "\(plain.body) \(fancy.body)")
        let a = try #require(try Fixtures.json(plain)["predictions"] as? [[String: Any]])
        let b = try #require(try Fixtures.json(fancy)["predictions"] as? [[String: Any]])
        #expect(a[0]["probabilities"] as? [String: Double] == b[0]["probabilities"] as? [String: Double])
        // "/red" is an unseen category (all-zero one-hot), unlike "red".
        #expect(a[1]["probabilities"] as? [String: Double] != b[1]["probabilities"] as? [String: Double])
    }

    @Test func missingTokensAndNullTakeTheImputation() async throws {
        let reply = try await Self.post(#"{"rows": [[null, null], [null, "NA"], [null, ""]]}"#)
        #expect(reply.status == 200, "\(reply.body)")
        let p = try #require(try Fixtures.json(reply)["predictions"] as? [[String: Any]])
        #expect(p.count == 3)
        #expect(p[0]["probabilities"] as? [String: Double] == p[1]["probabilities"] as? [String: Double])
        #expect(p[0]["probabilities"] as? [String: Double] == p[2]["probabilities"] as? [String: Double])
    }

    /// A surrogate pair decodes to its one scalar (U+1F600, echoed back in the error for a
    /// string where a number belongs); a lone surrogate, a raw control character and bytes that
    /// are not UTF-8 are refused, each naming what is wrong.
    @Test func surrogatePairsAndInvalidUTF8() async throws {
        let echoed = try await Self.post(#"{"rows": [["\ud83d\ude00", "red"]]}"#)
        let message = try Fixtures.json(echoed)["error"] as? String
        #expect(echoed.status == 400 && message?.contains("found a string \"\u{1F600}\"") == true, "\(echoed.body)")
        let emoji = try await Self.post(#"{"rows": [[1, "\ud83d\ude00"]]}"#)
        #expect(emoji.status == 200, "\(emoji.body)")
        let lone = try await Self.post(#"{"rows": [[1, "\ud83d"]]}"#)
        #expect(lone.status == 400 && lone.body.contains("unpaired surrogate"))
        let control = try await Self.post("{\"rows\": [[1, \"a\tb\"]]}")
        #expect(control.status == 400 && control.body.contains("control character"))
        let body = Array(#"{"rows": [[1, "r"#.utf8) + [0xFF, 0xFE] + Array(#""]]}"#.utf8)
        let invalid = try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())]) { port in
            try await onThread {
                let connection = try HTTPConnection(port: port)
                try connection.send(Array("POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
                return try connection.readReply()
            }
        }
        #expect(invalid.status == 400 && invalid.body.contains("not valid UTF-8"), "\(invalid.body)")
    }
}
