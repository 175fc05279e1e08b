import Foundation
import TandemArtifact
import TandemData
import TandemModel
import TandemServe
import TandemTensor

/// Small artifacts built in memory, and a server started on a free loopback port.
enum Fixtures {
    /// 6 rows: numeric `a`, categorical `color`, class `y` (3 classes) and numeric `v` (regression).
    static let csv = "a,color,y,v\n1.0,red,p,0.5\n2.0,blue,q,1.5\n3.5,red,r,2.0\nNA,green,p,0.1\n0.5,blue,q,1.0\n4.0,red,r,3.0\n"

    static func table() throws -> Table {
        try Table(csv: try CSVReader.parse(Data(csv.utf8), file: "t.csv"), file: "t.csv")
    }

    /// A classifier (classes p, q, r) or, with `regression`, a regressor of `v`, on features a, color.
    static func artifact(name: String = "t", regression: Bool = false, seed: UInt64 = 3) throws -> ModelArtifact {
        let t = try table()
        let pre = try Preprocessor.fit(table: t, features: ["a", "color"], rows: Array(0..<6), options: PreprocessOptions())
        let outputs = regression ? 1 : 3
        let net = try Network(spec: NetworkSpec(inputs: pre.outputWidth, hidden: [5], outputs: outputs, activation: .tanh))
        try Initializer.initialize(net.arena, scheme: .xavier, seed: seed)
        let manifest = ArtifactManifest(
            name: name, task: regression ? .regression : .classification, preprocessing: pre,
            classes: regression ? nil : ["p", "q", "r"], target: regression ? "v" : "y",
            architecture: .init(kind: "mlp", widths: net.spec.widths, activation: "tanh", output: regression ? "identity" : "softmax"),
            metrics: ["accuracy": 1], lineage: .init(dataSHA256: "abc", paramsSHA256: net.arena.sha256, seed: seed, tandemVersion: "test", config: ""))
        return ModelArtifact(manifest: manifest, tensors: net.arena.tensors())
    }

    /// A server for `models`, listening on a free port for the duration of `body`.
    static func withServer<T: Sendable>(_ models: [ServedModel], options: ServeOptions = ServeOptions(port: 0),
                                        _ body: @Sendable (_ port: Int) async throws -> T) async throws -> T {
        try await withServer(try server(models, options: options)) { port, _ in try await body(port) }
    }

    /// A `ModelServer` for `models` on a free loopback port.
    static func server(_ models: [ServedModel], options: ServeOptions = ServeOptions(port: 0)) throws -> ModelServer {
        var options = options
        options.host = "127.0.0.1"
        options.port = 0
        return try ModelServer(models: models, options: options)
    }

    /// `server` listening for the duration of `body`.
    static func withServer<T: Sendable>(_ server: ModelServer, _ body: @Sendable (_ port: Int, _ server: ModelServer) async throws -> T) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = _Concurrency.Task { try await server.run { port in continuation.yield(port); continuation.finish() } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = await task.result
            throw HTTPConnection.Failure(description: "server did not start")
        }
        do {
            let value = try await body(port, server)
            task.cancel()
            _ = await task.result
            return value
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
    }

    /// The parsed JSON object of a reply body.
    static func json(_ reply: HTTPReply) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any] else {
            throw HTTPConnection.Failure(description: "not a JSON object: \(reply.body)")
        }
        return object
    }
}
