import Foundation
import TandemFormats
import Testing
import TandemData
import TandemModel
import TandemTensor
@testable import TandemArtifact

/// A decoded protobuf message: its fields by number, in order.
struct DecodedMessage {
    var fields: [ProtobufField]

    init(_ bytes: [UInt8], _ source: String) throws {
        var reader = ProtobufReader(bytes, source: source)
        fields = []
        while let f = try reader.next() { fields.append(f) }
    }

    func all(_ n: Int) -> [ProtobufField.Value] { fields.filter { $0.number == n }.map(\.value) }
    func int(_ n: Int) -> Int64? { if case .varint(let v)? = all(n).last { return Int64(bitPattern: v) }; return nil }
    func string(_ n: Int) -> String? { if case .bytes(let b)? = all(n).last { return String(decoding: b, as: UTF8.self) }; return nil }
    func strings(_ n: Int) -> [String] { all(n).compactMap { if case .bytes(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } } }
    func messages(_ n: Int) throws -> [DecodedMessage] {
        try all(n).compactMap { if case .bytes(let b) = $0 { try DecodedMessage(b, "field \(n)") } else { nil } }
    }
    func message(_ n: Int) throws -> DecodedMessage? { try messages(n).last }

    /// Packed int64s (TensorProto.dims): a run of varints.
    func packedInts(_ n: Int) throws -> [Int64] {
        guard case .bytes(let b)? = all(n).last else { return [] }
        var out: [Int64] = [], value: UInt64 = 0, shift: UInt64 = 0
        for byte in b {
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { out.append(Int64(bitPattern: value)); value = 0; shift = 0 } else { shift += 7 }
        }
        return out
    }
}

/// The structure of `model.onnx`, decoded back with `ProtobufReader`.
@Suite struct ONNXModelTests {
    /// An artifact over `ModelArtifactTests.table()` (`a` numeric, `color` with 3 categories).
    static func artifact(task: Task = .classification, classes: [String] = ["p", "q", "r"], activation: Activation = .tanh) throws -> ModelArtifact {
        let t = try ModelArtifactTests.table()
        let pre = try Preprocessor.fit(table: t, features: ["a", "color"], rows: Array(0..<6), options: PreprocessOptions())
        let outputs = task == .regression ? 1 : (classes.count == 2 ? 1 : classes.count)
        let net = try Network(spec: NetworkSpec(inputs: pre.outputWidth, hidden: [5], outputs: outputs, activation: activation))
        try Initializer.initialize(net.arena, scheme: .xavier, seed: 3)
        let manifest = ArtifactManifest(
            name: "t", task: task, preprocessing: pre, classes: task == .regression ? nil : classes, target: "y",
            architecture: .init(kind: "mlp", widths: net.spec.widths, activation: activation.rawValue,
                                output: task == .regression ? "identity" : classes.count == 2 ? "sigmoid" : "softmax"),
            metrics: [:], lineage: .init(dataSHA256: "", paramsSHA256: net.arena.sha256, seed: 3, tandemVersion: "9.9.9", config: ""))
        return ModelArtifact(manifest: manifest, tensors: net.arena.tensors())
    }

    static func decode(_ artifact: ModelArtifact) throws -> DecodedMessage {
        try DecodedMessage([UInt8](ONNXModel(artifact: artifact).encoded()), "model.onnx")
    }

    /// (name, elem_type, dims as "N" or the number) of a ValueInfoProto.
    static func valueInfo(_ v: DecodedMessage) throws -> (String, Int64?, [String]) {
        let tensorType = try #require(try v.message(2)?.message(1))
        let dims = (try tensorType.message(2)?.messages(1) ?? []).map { d in d.string(2) ?? d.int(1).map(String.init) ?? "?" }
        return (v.string(1) ?? "", tensorType.int(1), dims)
    }

    @Test func modelHeaderAndSignature() throws {
        let artifact = try Self.artifact()
        let model = try Self.decode(artifact)
        #expect(model.int(1) == 8)                                 // ir_version
        #expect(model.string(2) == "tandem")                       // producer_name
        #expect(model.string(3) == "9.9.9")                        // producer_version
        #expect(model.string(6)?.isEmpty == false)                 // doc_string
        let opsets = try model.messages(8)
        #expect(opsets.count == 1 && opsets[0].string(1) == "" && opsets[0].int(2) == 13)
        let graph = try #require(try model.message(7))
        #expect(graph.string(10)?.contains("preprocessing folded in") == true)
        let inputs = try graph.messages(11).map(Self.valueInfo)
        let outputs = try graph.messages(12).map(Self.valueInfo)
        #expect(inputs.count == 1 && outputs.count == 1)
        #expect(inputs.first?.0 == "features" && inputs.first?.1 == 1 && inputs.first?.2 == ["N", "4"])    // a + 3 colors
        #expect(outputs.first?.0 == "probabilities" && outputs.first?.1 == 1 && outputs.first?.2 == ["N", "3"])
        let inputDoc = try #require(try graph.messages(11).first?.string(3))
        #expect(inputDoc.contains("a, color=blue, color=green, color=red"))
        #expect(artifact.manifest.onnx?.inputColumns == ["a", "color=blue", "color=green", "color=red"])
        #expect(artifact.manifest.onnx?.outputColumns == ["prob_p", "prob_q", "prob_r"])
    }

    @Test func nodesAndInitializersInOrder() throws {
        let artifact = try Self.artifact()
        let graph = try #require(try Self.decode(artifact).message(7))
        let nodes = try graph.messages(1)
        #expect(nodes.map { $0.string(4) ?? "" } == ["IsNaN", "Where", "Sub", "Div", "Gemm", "Tanh", "Gemm", "Softmax"])
        #expect(nodes[1].strings(1) == ["preprocess.missing", "preprocess.fill", "features"])
        #expect(nodes.last?.strings(2) == ["probabilities"])
        // Every node input is the graph input, an initializer, or an earlier node's output.
        let initializers = try graph.messages(5)
        var known = Set(["features"] + initializers.compactMap { $0.string(8) })
        for n in nodes {
            for i in n.strings(1) { #expect(known.contains(i), "\(n.string(3) ?? ""): input \(i) is not defined before it") }
            known.formUnion(n.strings(2))
        }
        let gemm = try #require(try nodes[4].messages(5).first)
        #expect(gemm.string(1) == "transB" && gemm.int(3) == 1 && gemm.int(20) == 2)
        let shapes = try Dictionary(uniqueKeysWithValues: initializers.map { ($0.string(8) ?? "", try $0.packedInts(1)) })
        #expect(shapes == ["preprocess.fill": [4], "preprocess.offset": [4], "preprocess.divisor": [4],
                           "layers.0.weight": [5, 4], "layers.0.bias": [5], "layers.1.weight": [3, 5], "layers.1.bias": [3]])
        // Initializers are float32 raw data equal to the artifact's tensors.
        let weight = try #require(initializers.first { $0.string(8) == "layers.1.weight" })
        #expect(weight.int(2) == 1)
        guard case .bytes(let raw)? = weight.all(9).last else { Issue.record("no raw_data"); return }
        let values = stride(from: 0, to: raw.count, by: 4).map { i in
            Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
        }
        #expect(values == artifact.tensors[2].values)
        // The fitted preprocessing: `a` imputed with its mean and standardized; one-hot columns unscaled.
        let pre = artifact.manifest.preprocessing.features[0]
        let fill = try #require(initializers.first { $0.string(8) == "preprocess.fill" })
        guard case .bytes(let fillRaw)? = fill.all(9).last else { Issue.record("no raw_data"); return }
        #expect(fillRaw.count == 16)
        #expect(Float(bitPattern: UInt32(fillRaw[0]) | UInt32(fillRaw[1]) << 8 | UInt32(fillRaw[2]) << 16 | UInt32(fillRaw[3]) << 24) == Float(pre.fill))
        // The one-hot block's fill is the fitted fill category's one-hot (what a missing cell encodes as).
        let color = artifact.manifest.preprocessing.features[1]
        let oneHot = stride(from: 4, to: fillRaw.count, by: 4).map { i in
            Float(bitPattern: UInt32(fillRaw[i]) | UInt32(fillRaw[i + 1]) << 8 | UInt32(fillRaw[i + 2]) << 16 | UInt32(fillRaw[i + 3]) << 24)
        }
        #expect(oneHot == color.categories.map { $0 == color.fillCategory ? 1 : 0 })
    }

    @Test func binarySigmoidModelOutputsTwoProbabilities() throws {
        let graph = try #require(try Self.decode(try Self.artifact(classes: ["no", "yes"], activation: .relu)).message(7))
        #expect(try graph.messages(1).map { $0.string(4) ?? "" } == ["IsNaN", "Where", "Sub", "Div", "Gemm", "Relu", "Gemm", "Sigmoid", "Sub", "Concat"])
        #expect(try graph.messages(12).map(Self.valueInfo).first?.2 == ["N", "2"])
        #expect(try graph.messages(12).map(Self.valueInfo).first?.0 == "probabilities")
    }

    @Test func regressionOutputsValueAndGeluIsComposedFromErf() throws {
        let artifact = try Self.artifact(task: .regression, activation: .gelu)
        let graph = try #require(try Self.decode(artifact).message(7))
        #expect(try graph.messages(1).map { $0.string(4) ?? "" } == ["IsNaN", "Where", "Sub", "Div", "Gemm", "Mul", "Mul", "Erf", "Add", "Mul", "Gemm"])
        let output = try #require(try graph.messages(12).map(Self.valueInfo).first)
        #expect(output.0 == "value" && output.2 == ["N", "1"])
        #expect(try graph.messages(1).last?.strings(2) == ["value"])
        #expect(artifact.manifest.onnx?.output == "value" && artifact.manifest.onnx?.outputColumns == ["value"])
    }

    /// Every written model directory has model.onnx, and model.json records its interface.
    @Test func writeAddsModelONNXAndTheInterface() throws {
        var artifact = try Self.artifact()
        artifact.manifest.onnx = nil   // as in a manifest written before ONNX export
        let dir = ModelArtifactTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try artifact.write(to: dir)
        let onnx = try Data(contentsOf: URL(fileURLWithPath: dir + "/model.onnx"))
        #expect(onnx == (try ONNXModel(artifact: artifact).encoded()))
        let loaded = try ModelArtifact.load(dir)
        #expect(loaded.manifest.onnx == ONNXInterface(manifest: artifact.manifest))
        let json = try String(contentsOfFile: dir + "/model.json", encoding: .utf8)
        #expect(json.contains("\"input_columns\""))
    }
}
