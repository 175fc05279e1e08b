import Foundation
import Testing
import TandemArtifact
import TandemData
import TandemServe
import TandemTensor

/// Valid requests: predictions equal `Predictor`'s (what `tandem predict` prints), for rows
/// as objects and as arrays, with missing values and unseen categories; the model endpoints.
@Suite struct ServePredictTests {
    /// The fixture rows as request objects and arrays (NA -> null).
    static let objectRows = """
    {"rows": [{"a": 1.0, "color": "red"}, {"a": 2, "color": "blue"}, {"a": 3.5, "color": "red"},
              {"a": null, "color": "green"}, {"color": "blue", "a": 0.5}, {"a": 4e0, "color": " red "}]}
    """
    static let arrayRows = """
    {"rows": [[1.0, "red"], [2, "blue"], [3.5, "red"], [null, "green"], [0.5, "blue"], [4.0, "red"]]}
    """

    /// `"p":0.1,"q":...` as the server must print row `r` of `out`.
    static func expectedProbabilities(_ out: Matrix, row r: Int) -> String {
        ["p", "q", "r"].enumerated().map { "\"\($1)\":\(out[r, $0])" }.joined(separator: ",")
    }

    @Test func objectAndArrayRowsPredictExactlyWhatPredictorPredicts() async throws {
        let artifact = try Fixtures.artifact()
        let expected = try Predictor(artifact).outputs(table: Fixtures.table(), rows: Array(0..<6))
        let csv = try Predictor(artifact).csv(table: Fixtures.table()).split(separator: "\n").dropFirst()
        try await Fixtures.withServer([ServedModel(name: "t", artifact: artifact)]) { port in
            for body in [Self.objectRows, Self.arrayRows] {
                let reply = try await http(port, "POST", "/v1/predict", body: body)
                #expect(reply.status == 200, "\(reply.body)")
                #expect(reply.headers["content-type"] == "application/json")
                let json = try Fixtures.json(reply)
                #expect(json["model"] as? String == "t")
                let predictions = try #require(json["predictions"] as? [[String: Any]])
                #expect(predictions.count == 6)
                for (r, line) in csv.enumerated() {
                    #expect(predictions[r]["prediction"] as? String == String(line.split(separator: ",")[0]))
                    #expect(reply.body.contains("\"probabilities\":{\(Self.expectedProbabilities(expected, row: r))}"), "row \(r)")
                    let probabilities = try #require(predictions[r]["probabilities"] as? [String: Double])
                    #expect(Set(probabilities.keys) == ["p", "q", "r"])
                }
            }
        }
    }

    @Test func namedModelsAndVersionsSideBySide() async throws {
        let a = try Fixtures.artifact(name: "t", seed: 3)
        let b = try Fixtures.artifact(name: "t", seed: 4)
        let reg = try Fixtures.artifact(name: "reg", regression: true)
        let models = try [ServedModel(name: "v1", artifact: a), ServedModel(name: "v2", artifact: b), ServedModel(name: "reg", artifact: reg)]
        let table = try Fixtures.table()
        let outA = try Predictor(a).outputs(table: table, rows: [0])
        let outB = try Predictor(b).outputs(table: table, rows: [0])
        let outR = try Predictor(reg).outputs(table: table, rows: [0])
        try await Fixtures.withServer(models) { port in
            let body = #"{"rows": [[1.0, "red"]]}"#
            let first = try await http(port, "POST", "/v1/predict", body: body)
            let v1 = try await http(port, "POST", "/v1/models/v1/predict", body: body)
            let v2 = try await http(port, "POST", "/v1/models/v2/predict", body: body)
            #expect(first.body == v1.body)
            #expect(v1.body.contains(Self.expectedProbabilities(outA, row: 0)))
            #expect(v2.body.contains(Self.expectedProbabilities(outB, row: 0)))
            #expect(try Fixtures.json(v2)["model"] as? String == "v2")
            let r = try await http(port, "POST", "/v1/models/reg/predict", body: body)
            #expect(r.status == 200)
            #expect(r.body == "{\"model\":\"reg\",\"predictions\":[{\"prediction\":\(outR[0, 0])}]}\n")
        }
    }

    @Test func modelSummaryListAndHealth() async throws {
        let models = try [ServedModel(name: "first", artifact: Fixtures.artifact()),
                          ServedModel(name: "second", artifact: Fixtures.artifact(regression: true))]
        try await Fixtures.withServer(models) { port in
            let model = try Fixtures.json(try await http(port, "GET", "/v1/model"))
            #expect(model["name"] as? String == "first")
            #expect(model["task"] as? String == "classification")
            #expect(model["classes"] as? [String] == ["p", "q", "r"])
            let features = try #require(model["features"] as? [[String: Any]])
            #expect(features.map { $0["name"] as? String } == ["a", "color"])
            #expect(features.map { $0["kind"] as? String } == ["numeric", "categorical"])
            #expect(features[1]["categories"] as? [String] == ["blue", "green", "red"])
            #expect((model["architecture"] as? [String: Any])?["widths"] as? [Int] == [4, 5, 3])
            #expect((model["metrics"] as? [String: Double])?["accuracy"] == 1)
            #expect((model["lineage"] as? [String: Any])?["data_sha256"] as? String == "abc")
            let second = try Fixtures.json(try await http(port, "GET", "/v1/models/second"))
            #expect(second["task"] as? String == "regression")
            #expect(second["classes"] == nil)
            let list = try Fixtures.json(try await http(port, "GET", "/v1/models/"))
            #expect((list["models"] as? [[String: Any]])?.map { $0["name"] as? String } == ["first", "second"])
            #expect(list["default"] as? String == "first")
            let health = try await http(port, "GET", "/healthz")
            #expect(health.status == 200)
            #expect(try Fixtures.json(health)["status"] as? String == "ok")
        }
    }

    @Test func duplicateAndBadModelNamesAreRefused() throws {
        let artifact = try Fixtures.artifact()
        let twice = try [ServedModel(name: "m", artifact: artifact), ServedModel(name: "m", artifact: artifact)]
        #expect { try ModelServer(models: twice) } throws: { "\($0)".contains("two models are named 'm'") }
        #expect { try ServedModel(name: "a/b", artifact: artifact) } throws: { "\($0)".contains("'a/b'") }
        #expect { try ModelServer(models: []) } throws: { "\($0)".contains("no model") }
    }
}
