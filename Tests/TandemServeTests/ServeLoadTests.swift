import Foundation
import Testing
import TandemArtifact
import TandemData
import TandemServe

/// A bounded load on loopback: many concurrent keep-alive connections, mixed single-row and
/// batch requests, every one answered 200 with exactly the predictions of a lone `Predictor`
/// (so predictors are never shared between concurrent requests).
@Suite struct ServeLoadTests {
    @Test func fewThousandConcurrentRequestsWithoutErrors() async throws {
        let connections = 32, perConnection = 100
        let artifact = try Fixtures.artifact()
        let model = try ServedModel(name: "t", artifact: artifact, scorer: { _ in [] })
        // Expected probabilities text for a = 0, 1, 2, ... with color "red".
        let values = connections + perConnection
        let table = Table(file: "expected", names: ["a", "color"],
                          columns: [.numeric((0..<values).map(Double.init)), .categorical(Array(repeating: "red", count: values))],
                          lineNumbers: Array(1...values))
        let out = try Predictor(artifact).outputs(table: table, rows: Array(0..<values))
        let expected = (0..<values).map { ServePredictTests.expectedProbabilities(out, row: $0) }
        try await Fixtures.withServer([model]) { port in
            let failures = try await onThread { () -> [String] in
                let failures = Failures()
                let group = DispatchGroup()
                for c in 0..<connections {
                    group.enter()
                    let thread = Thread {
                        defer { group.leave() }
                        do {
                            let connection = try HTTPConnection(port: port)
                            for i in 0..<perConnection {
                                let rows = (i % 4 == 0) ? 64 : 1
                                let body = "{\"rows\": [" + Array(repeating: "[\(c + i), \"red\"]", count: rows).joined(separator: ",") + "]}"
                                let reply = try connection.request("POST", c % 2 == 0 ? "/v1/predict" : "/v1/models/t/predict", body: body)
                                let count = reply.body.components(separatedBy: expected[c + i]).count - 1
                                if reply.status != 200 || count != rows {
                                    failures.add("connection \(c) request \(i): \(reply.status) \(reply.body.prefix(200))")
                                }
                            }
                        } catch {
                            failures.add("connection \(c): \(error)")
                        }
                    }
                    thread.stackSize = 1 << 20
                    thread.start()
                }
                group.wait()
                return failures.all
            }
            #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.first ?? "")")
            let metrics = try ServeMetricsTests.parse(try await http(port, "GET", "/metrics").body)
            let total = connections * perConnection
            let ok = (metrics[#"tandem_http_requests_total{route="/v1/predict",code="200"}"#] ?? 0)
                + (metrics[#"tandem_http_requests_total{route="/v1/models/{name}/predict",code="200"}"#] ?? 0)
            #expect(ok == Double(total))
            #expect(metrics[#"tandem_rows_predicted_total{model="t"}"#] == Double(connections * (perConnection / 4 * 64 + perConnection * 3 / 4)))
            #expect(metrics[#"tandem_drift_window_rows{model="t"}"#] == 10_000)
        }
    }
}

/// Failure messages collected from many threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
}
