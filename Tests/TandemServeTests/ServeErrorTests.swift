import Testing
@testable import TandemServe

/// `ServeError` says what is wrong as a reason; the HTTP status, the headers and the message
/// (whose texts clients and tests read) follow from it.
@Suite struct ServeErrorTests {
    @Test func theStatusAndHeadersFollowFromTheReason() {
        let cases: [(ServeError.Reason, Int)] = [
            (.invalidRequest(.emptyRows), 400), (.unreadableBody(detail: "cut"), 400),
            (.malformedJSON(line: 1, column: 2, offset: 1, problem: "expected a value", found: "'x'"), 400),
            (.bodyTooLarge(limit: 10), 413), (.tooManyRows(limit: 5), 413), (.noRoute(method: "GET", path: "/x"), 404),
            (.noModel(name: "b", serving: ["a"]), 404), (.methodNotAllowed(path: "/v1/predict", allowed: "POST", method: "GET"), 405),
            (.overloaded(threads: 2, queueDepth: 8), 503), (.shuttingDown, 503), (.internalError(detail: "x"), 500),
        ]
        for (reason, status) in cases {
            let e = ServeError(reason)
            #expect(e.status == status, "\(reason)")
            #expect((e.retryAfter == 1) == (status == 503), "\(reason)")
            #expect((e.allow != nil) == (status == 405), "\(reason)")
        }
        #expect(ServeError(.methodNotAllowed(path: "/v1/predict", allowed: "POST", method: "GET")).allow == "POST")
    }

    @Test func messagesKeepTheirTexts() {
        #expect(ServeError(.tooManyRows(limit: 5)).message == "too many rows: more than 5 in one request (the server's --max-rows); split the request")
        #expect(ServeError(.noModel(name: "b", serving: ["a", "c"])).message == "no model named 'b'; serving: a, c")
        #expect(ServeError(.malformedJSON(line: 2, column: 3, offset: 9, problem: "expected ','", found: "the end of the body")).message
                == "malformed JSON at line 2, column 3 (byte 9): expected ',', found the end of the body")
        #expect(ServeError(.methodNotAllowed(path: "/v1/predict", allowed: "POST", method: "GET")).description == "405: /v1/predict accepts POST only, not GET")
    }
}
