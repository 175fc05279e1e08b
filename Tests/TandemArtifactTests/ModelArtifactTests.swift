import Foundation
import TandemFormats
import Testing
import TandemData
import TandemModel
import TandemTensor
@testable import TandemArtifact

/// Export, load and predict: the artifact path must give exactly the trained network's outputs.
@Suite struct ModelArtifactTests {
    /// A 6-row table: numeric `a`, categorical `color`, class target `y` (3 classes).
    static func table() throws -> Table {
        let csv = "a,color,y\n1.0,red,p\n2.0,blue,q\n3.5,red,r\nNA,green,p\n0.5,blue,q\n4.0,red,r\n"
        return try Table(csv: try CSVReader.parse(Data(csv.utf8), file: "t.csv"), file: "t.csv")
    }

    static func artifact(classes: [String] = ["p", "q", "r"]) throws -> (ModelArtifact, Network, Preprocessor) {
        let t = try table()
        let pre = try Preprocessor.fit(table: t, features: ["a", "color"], rows: Array(0..<6), options: PreprocessOptions())
        let net = try Network(spec: NetworkSpec(inputs: pre.outputWidth, hidden: [5], outputs: classes.count, activation: .tanh))
        try Initializer.initialize(net.arena, scheme: .xavier, seed: 3)
        let manifest = ArtifactManifest(
            name: "t", task: .classification, preprocessing: pre, classes: classes, target: "y",
            architecture: .init(kind: "mlp", widths: net.spec.widths, activation: "tanh", output: "softmax"),
            metrics: ["accuracy": 1], lineage: .init(dataSHA256: "", paramsSHA256: net.arena.sha256, seed: 3, tandemVersion: "test", config: ""))
        return (ModelArtifact(manifest: manifest, tensors: net.arena.tensors()), net, pre)
    }

    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tandem-artifact-\(UUID().uuidString)").path
    }

    @Test func roundTripPredictsExactlyWhatTheNetworkPredicts() throws {
        let (artifact, net, pre) = try Self.artifact()
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try artifact.write(to: dir)
        let loaded = try ModelArtifact.load(dir)
        #expect(loaded.manifest == artifact.manifest)
        let t = try Self.table()
        let expected = try LossHead(classes: 3).probabilities(net.predict(try pre.transform(table: t, rows: Array(0..<6))))
        let got = try Predictor(loaded).outputs(table: t, rows: Array(0..<6))
        #expect(got == expected)
    }

    @Test func csvHasPredictionAndOneProbabilityColumnPerClass() throws {
        let (artifact, _, _) = try Self.artifact()
        let text = try Predictor(artifact).csv(table: Self.table())
        let lines = text.split(separator: "\n")
        #expect(lines.first == "prediction,prob_p,prob_q,prob_r")
        #expect(lines.count == 7)
        for line in lines.dropFirst() {
            let f = line.split(separator: ",")
            #expect(["p", "q", "r"].contains(String(f[0])))
            let probs = f.dropFirst().compactMap { Double($0) }
            #expect(probs.count == 3 && abs(probs.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test func missingFeatureColumnIsNamed() throws {
        let (artifact, _, _) = try Self.artifact()
        let csv = "a,y\n1,p\n"
        let t = try Table(csv: try CSVReader.parse(Data(csv.utf8), file: "new.csv"), file: "new.csv")
        #expect(throws: (any Error).self) { try Predictor(artifact).outputs(table: t, rows: [0]) }
        do { _ = try Predictor(artifact).outputs(table: t, rows: [0]) } catch { #expect("\(error)".contains("color")) }
    }

    @Test func unseenCategoryAndMissingValuePredict() throws {
        let (artifact, _, _) = try Self.artifact()
        let csv = "a,color\nNA,purple\n"
        let t = try Table(csv: try CSVReader.parse(Data(csv.utf8), file: "new.csv"), file: "new.csv", kinds: artifact.manifest.preprocessing.kinds)
        let out = try Predictor(artifact).outputs(table: t, rows: [0])
        #expect(out.rows == 1 && out.cols == 3 && out.values.allSatisfy { $0.isFinite })
    }

    @Test func badArtifactsAreRejectedWithAMessage() throws {
        let (artifact, _, _) = try Self.artifact()
        func expectLoadError(_ contains: String, damage: (String) throws -> Void) throws {
            let dir = Self.directory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try artifact.write(to: dir)
            try damage(dir)
            do {
                _ = try ModelArtifact.load(dir)
                Issue.record("a damaged artifact loaded (expected an error containing '\(contains)')")
            } catch {
                #expect("\(error)".contains(contains), "\(error)")
            }
        }
        try expectLoadError("model.safetensors is missing") { try FileManager.default.removeItem(atPath: $0 + "/model.safetensors") }
        try expectLoadError("model.json is missing") { try FileManager.default.removeItem(atPath: $0 + "/model.json") }
        try expectLoadError("model.safetensors") { dir in
            let d = try Data(contentsOf: URL(fileURLWithPath: dir + "/model.safetensors"))
            try d.prefix(d.count - 7).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        }
        try expectLoadError("format_version 99") { dir in
            let url = URL(fileURLWithPath: dir + "/model.json")
            let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 99")
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try expectLoadError("need 43 parameters but model.safetensors holds 27") { dir in
            var other = artifact
            other.tensors[0] = NamedTensor(name: other.tensors[0].name, shape: [2, 2], values: [0, 0, 0, 0])
            try SafeTensors.encode(other.tensors).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
        }
        try expectLoadError("not a valid model manifest") { try Data("{".utf8).write(to: URL(fileURLWithPath: $0 + "/model.json")) }
    }
}
