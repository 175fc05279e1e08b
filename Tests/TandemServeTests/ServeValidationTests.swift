import Foundation
import Testing
import TandemServe

/// Every kind of bad request gets a 4xx with a JSON `{"error": ...}` naming the problem, and
/// the server keeps serving on the same connection.
@Suite struct ServeValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        var method = "POST"
        var path = "/v1/predict"
        var body: String?
        var status: Int
        var message: String
        var description: String { "\(method) \(path) \(body ?? "")" }
    }

    static let cases: [Case] = [
        Case(body: "", status: 400, message: "the request body is empty"),
        Case(body: "{\"rows\": [[1, \"red\"]", status: 400, message: "malformed JSON at line 1, column 21 (byte 20): expected ',' or ']' in \"rows\", found the end of the body"),
        Case(body: "{\"rows\": [[1, \"red\"]]} x", status: 400, message: "malformed JSON at line 1, column 24 (byte 23): expected the end of the body after the request object, found 'x'"),
        Case(body: "{\"rows\":\n [[01, \"red\"]]}", status: 400, message: "line 2, column 4 (byte 12): a number may not start with 0"),
        Case(body: "{\"rows\": [[1, \"re\\q\"]]}", status: 400, message: "unknown escape '\\q'"),
        Case(body: "[1, 2]", status: 400, message: "expected a JSON object {\"rows\": [...]}, found an array"),
        Case(body: "{}", status: 400, message: "the request has no \"rows\""),
        Case(body: "{\"row\": []}", status: 400, message: "unknown key \"row\""),
        Case(body: "{\"rows\": []}", status: 400, message: "\"rows\" is empty"),
        Case(body: "{\"rows\": {\"a\": 1}}", status: 400, message: "\"rows\" must be an array of rows, found an object"),
        Case(body: "{\"rows\": [[1, \"red\"], 7]}", status: 400, message: "rows[1]: expected an object keyed by feature name or an array of 2 values"),
        Case(body: "{\"rows\": [[1, \"red\"], [1]]}", status: 400, message: "rows[1]: 1 values, but the model takes 2 features in this order: a, color"),
        Case(body: "{\"rows\": [[1, \"red\", 3]]}", status: 400, message: "rows[0]: more than 2 values"),
        Case(body: "{\"rows\": [{\"a\": 1, \"colour\": \"red\"}]}", status: 400, message: "rows[0]: unknown feature \"colour\"; the model's features are: a, color"),
        Case(body: "{\"rows\": [{\"a\": 1}]}", status: 400, message: "rows[0]: feature \"color\" is missing"),
        Case(body: "{\"rows\": [{\"a\": 1, \"a\": 2, \"color\": \"red\"}]}", status: 400, message: "rows[0]: feature \"a\" is given twice"),
        Case(body: "{\"rows\": [{\"a\": \"1.5\", \"color\": \"red\"}]}", status: 400, message: "rows[0].a: expected a number or null (numeric feature), found a string \"1.5\""),
        Case(body: "{\"rows\": [[1, 2]]}", status: 400, message: "rows[0][1] (color): expected a string or null (categorical feature), found a number"),
        Case(body: "{\"rows\": [[true, \"red\"]]}", status: 400, message: "rows[0][0] (a): expected a number or null (numeric feature), found a boolean"),
        Case(body: "{\"rows\": [[1e999, \"red\"]]}", status: 400, message: "rows[0][0] (a): 1e999 is out of range"),
        Case(body: "{\"rows\": [[1, \"red\"], [2, \"red\"], [3, \"red\"], [4, \"red\"]]}", status: 413, message: "more than 3 in one request"),
        Case(body: "{\"rows\": [[1, \"" + String(repeating: "x", count: 600) + "\"]]}", status: 413, message: "larger than 512 bytes"),
        Case(path: "/v1/models/nope/predict", body: "{\"rows\": [[1, \"red\"]]}", status: 404, message: "no model named 'nope'; serving: t"),
        Case(method: "GET", path: "/v1/models/nope", status: 404, message: "no model named 'nope'"),
        Case(method: "GET", path: "/v2/predict", status: 404, message: "no route GET /v2/predict"),
        Case(method: "GET", path: "/v1/predict", status: 405, message: "/v1/predict accepts POST only, not GET"),
        Case(method: "DELETE", path: "/v1/model", status: 405, message: "accepts GET only"),
        Case(method: "POST", path: "/metrics", body: "", status: 405, message: "accepts GET only"),
    ]

    @Test func everyBadRequestIsA4xxWithAJSONErrorAndTheServerKeepsServing() async throws {
        let options = ServeOptions(port: 0, maxBodyBytes: 512, maxRows: 3)
        try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())], options: options) { port in
            let replies = try await onThread {
                let connection = try HTTPConnection(port: port)  // one keep-alive connection throughout
                return try Self.cases.map { c -> (Case, HTTPReply, HTTPReply) in
                    let bad = try connection.request(c.method, c.path, body: c.body)
                    let good = try connection.request("POST", "/v1/predict", body: "{\"rows\": [[1, \"red\"]]}")
                    return (c, bad, good)
                }
            }
            for (c, bad, good) in replies {
                #expect(bad.status == c.status, "\(c): \(bad.body)")
                #expect(bad.headers["content-type"] == "application/json", "\(c)")
                let error = try Fixtures.json(bad)["error"] as? String
                #expect(error?.contains(c.message) == true, "\(c): \(error ?? bad.body)")
                #expect(good.status == 200, "after \(c): \(good.body)")
            }
            let wrongMethod = try #require(replies.first { $0.0.status == 405 })
            #expect(wrongMethod.1.headers["allow"] == "POST")
        }
    }

    @Test func oversizedBodyWithoutContentLengthIs413() async throws {
        let options = ServeOptions(port: 0, maxBodyBytes: 512)
        try await Fixtures.withServer([ServedModel(name: "t", artifact: Fixtures.artifact())], options: options) { port in
            let reply = try await onThread {
                let c = try HTTPConnection(port: port)
                let body = "{\"rows\": [[1, \"" + String(repeating: "y", count: 4000) + "\"]]}"
                let chunked = String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n0\r\n\r\n"
                try c.send(Array("POST /v1/predict HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n\(chunked)".utf8))
                return try c.readReply()
            }
            #expect(reply.status == 413)
            #expect(reply.body.contains("larger than 512 bytes"))
            let after = try await http(port, "POST", "/v1/predict", body: "{\"rows\": [[1, \"red\"]]}")
            #expect(after.status == 200)
        }
    }
}
