import Foundation
import TandemMetrics
import Testing

/// Parses `text` with Foundation, failing the test if it is not valid JSON.
func parse(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

@Suite struct MetricsJSONTests {
    @Test func compactRenderingKeepsKeyOrder() {
        let v: JSONValue = .object([("zeta", .int(1)), ("alpha", .number(0.5)), ("mid", .string("x")),
                                    ("flag", .bool(true)), ("none", .null),
                                    ("list", .array([.int(1), .number(2.5), .array([])])), ("empty", .object([]))])
        #expect(v.rendered == #"{"zeta":1,"alpha":0.5,"mid":"x","flag":true,"none":null,"list":[1,2.5,[]],"empty":{}}"#)
    }

    @Test func numbersRoundTripAndIntegersAreStable() throws {
        #expect(JSONValue.number(17.0 / 18).rendered == "0.9444444444444444")
        #expect(JSONValue.number(1).rendered == "1.0")
        #expect(JSONValue.int(-3).rendered == "-3")
        for x in [0.1, 1e-15, 1e300, -2.5e-8, 123456789.123, Double.leastNonzeroMagnitude, 1e16] {
            let parsed = try #require(try parse(JSONValue.number(x).rendered) as? NSNumber)
            #expect(parsed.doubleValue == x, "\(x)")
        }
    }

    @Test func nonFiniteNumbersRenderAsNull() throws {
        let v: JSONValue = .array([.number(.nan), .number(.infinity), .number(-.infinity)])
        #expect(v.rendered == "[null,null,null]")
        let parsed = try #require(try parse(v.rendered) as? [Any])
        #expect(parsed.allSatisfy { $0 is NSNull })
    }

    @Test func stringsAreEscaped() throws {
        let raw = "quote\" back\\slash\nnew\rret\ttab\u{08}\u{0C}\u{01}\u{1F} é ✓ /"
        let rendered = JSONValue.string(raw).rendered
        #expect(rendered == #""quote\" back\\slash\nnew\rret\ttab\b\f\u0001\u001f é ✓ /""#)
        #expect(!rendered.contains("\n"))
        #expect(try parse(rendered) as? String == raw)
    }

    @Test func keysAreEscaped() throws {
        let v: JSONValue = .object([("a\"b\n", .int(1))])
        #expect(v.rendered == #"{"a\"b\n":1}"#)
        let parsed = try #require(try parse(v.rendered) as? [String: Any])
        #expect(parsed["a\"b\n"] as? Int == 1)
    }

    @Test func prettyRendering() throws {
        let v: JSONValue = ["name": "run", "scores": [1, 2.5], "empty": [], "nested": ["k": nil]]
        let expected = """
        {
          "name": "run",
          "scores": [
            1,
            2.5
          ],
          "empty": [],
          "nested": {
            "k": null
          }
        }
        """
        #expect(v.renderedPretty() == expected)
        #expect(v.renderedPretty(indent: 4).contains("\n    \"name\": \"run\""))
        let parsed = try #require(try parse(v.renderedPretty()) as? [String: Any])
        #expect(parsed["name"] as? String == "run")
    }

    @Test func literalsBuildTheSameValues() {
        let literal: JSONValue = ["b": 1, "a": [true, "s", 0.5, nil]]
        let explicit: JSONValue = .object([("b", .int(1)), ("a", .array([.bool(true), .string("s"), .number(0.5), .null]))])
        #expect(literal == explicit)
        #expect(literal != .object([("a", .array([.bool(true), .string("s"), .number(0.5), .null])), ("b", .int(1))]))
        #expect(JSONValue.int(1) != .number(1))
    }

    @Test func metricsRenderInScalarOrderAndParse() throws {
        let m = ClassificationMetrics.compute(probabilities: matrix([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]]),
                                              labels: [0, 1, 0], classLabels: ["no", "yes"])
        let line = m.jsonValue.rendered
        #expect(line.hasPrefix(#"{"count":3,"loss":"#))
        let keys = ["\"count\"", "\"loss\"", "\"accuracy\"", "\"precision\"", "\"recall\"", "\"f1\"",
                    "\"log_loss\"", "\"roc_auc\"", "\"per_class\"", "\"confusion\""]
        let offsets = try keys.map { key in try #require(line.range(of: key)).lowerBound }
        #expect(offsets == offsets.sorted())
        let parsed = try #require(try parse(line) as? [String: Any])
        #expect(parsed["confusion"] as? [[Int]] == [[1, 1], [0, 1]])
        #expect(JSONValue.numbers(m.scalars).rendered.hasPrefix(#"{"loss":"#))

        let r = RegressionMetrics.compute(predictions: [3, 1], targets: [1, 3])
        #expect(r.jsonValue.rendered == #"{"count":2,"loss":4.0,"mse":4.0,"mae":2.0,"r2":-3.0}"#)
    }
}
