import Foundation
import TandemData
import TandemFormats
import TandemModel
import TandemTensor

/// `model.onnx`: the artifact as one ONNX graph (IR version 8, opset 13) with the preprocessing
/// folded in, so onnxruntime (or any ONNX runtime) gives what `tandem predict` gives.
///
/// Input `features`: float32 `[N, F]`, the columns `manifest.encodedInputs` in order — each numeric
/// feature raw (NaN = missing) and each categorical feature as its one-hot columns, or (with
/// `categorical: embedding`) as one column holding its code: the category's index in the
/// feature's `categories` in model.json; NaN, or any value that is not such an index, takes the
/// reserved row for missing and unseen values. Graph:
/// IsNaN + Where (the fitted imputation; NaN across a one-hot block becomes the fill category's one-hot), Sub + Div (the
/// scaling; `ONNXQuantile.swift` for `scale: quantile`), the embedding tables (Gather,
/// `ONNXEmbedding.swift`), the periodic numeric embeddings (Sin/Cos, Gemm, Relu per feature), per dense layer Gemm (transB) (a resnet: per block Gemm, activation, Gemm and the
/// residual Add), the normalization (BatchNormalization, or layer
/// normalization composed from ReduceMean/Sub/Mul/Sqrt/Div) and the hidden activation (GELU composed from Erf, as
/// `Activation.gelu`), then Softmax -> `probabilities` `[N, classes]`; one sigmoid logit ->
/// `probabilities` `[N, 2]` (`[1 - p, p]`); regression -> `value` `[N, 1]` (times the target's std plus its mean when it was scaled for training).
public struct ONNXModel {
    /// The ONNX IR version written (8: onnxruntime 1.10 and later load it).
    public static let irVersion: Int64 = 8
    /// The version of the default operator set imported.
    public static let opset: Int64 = 13
    /// The file's name in a model directory.
    public static let fileName = "model.onnx"
    /// The graph's one input.
    public static let inputName = "features"

    let proto: ONNXProto.Model

    /// Builds the graph of `artifact`; throws `ArtifactError` when its weights do not match its manifest.
    public init(artifact: ModelArtifact) throws {
        let m = artifact.manifest
        let network = try artifact.network()
        let interface = ONNXInterface(manifest: m)
        var b = GraphBuilder()

        // Preprocessing: impute, then scale, per encoded column.
        var fill: [Float] = [], offset: [Float] = [], divisor: [Float] = []
        for f in m.preprocessing.features {
            let w = f.width
            if f.kind == .numeric {
                fill.append(Float(f.fill))
            } else if f.isEmbedded {
                // An embedded feature's code column: NaN (missing) takes the reserved code.
                fill.append(Float(f.categories.count))
            } else {
                // A categorical block sent as NaN is missing: the one-hot of the fitted fill
                // category, as `tandem predict` encodes a missing cell (zeros when that category
                // never occurred in training).
                fill += f.categories.map { $0 == f.fillCategory ? Float(1) : 0 }
            }
            offset += f.kind == .numeric ? [Float(f.offset)] : Array(repeating: 0, count: w)   // w = 1 for an embedded code
            divisor += f.kind == .numeric ? [Float(f.divisor)] : Array(repeating: 1, count: w)
        }
        let width = fill.count
        b.constant("preprocess.fill", [width], fill)
        b.constant("preprocess.offset", [width], offset)
        b.constant("preprocess.divisor", [width], divisor)
        b.node("IsNaN", [Self.inputName], "preprocess.missing", name: "impute.isnan")
        b.node("Where", ["preprocess.missing", "preprocess.fill", Self.inputName], "preprocess.imputed", name: "impute.where")
        b.node("Sub", ["preprocess.imputed", "preprocess.offset"], "preprocess.centered", name: "scale.sub")
        var x = b.node("Div", ["preprocess.centered", "preprocess.divisor"], "preprocess.scaled", name: "scale.div")
        x = try b.quantileTransform(x, features: m.preprocessing.features, width: width)

        // Dense layers, each hidden one followed by its normalization and activation.
        var tensors: [String: NamedTensor] = [:]
        for t in network.arena.tensors() { tensors[t.name] = t }
        func initializer(_ name: String) throws -> String {
            guard let t = tensors[name] else { throw ArtifactError(.missingTensor(file: "model.safetensors", tensor: name)) }
            b.initializers.append(.init(name: t.name, dims: t.shape, values: t.values))
            return t.name
        }
        let spec = network.spec
        let layers = spec.widths.count - 1
        if let e = spec.embedding {
            if !e.columns.isEmpty {
                x = b.embedding(x, shape: e, tables: try (0..<e.columns.count).map { try initializer(EmbeddingShape.tableName($0)) })
            }
            if let p = e.periodic { x = try b.periodicEmbedding(x, shape: p, inputs: e.tablesOutputWidth, tensors: tensors) }
        }
        let head = LossHead(classes: m.task == .classification ? m.classes?.count : nil)
        let valueOutput = head == .meanSquaredError(outputs: 1) && m.preprocessing.target == nil ? interface.output : "head.output"
        if let r = spec.residual {
            // ResNet: input Gemm; per block x + Gemm(Act(Gemm(Norm(x)))) (dropout is identity at
            // inference); then Norm, Act and the head Gemm.
            let gemm: [ONNXProto.Attribute] = [.init(name: "transB", value: .int(1))]
            func norm(_ prefix: String, _ x: String) throws -> String {
                let names = try spec.norm.tensorNames.map { try initializer("\(prefix).norm.\($0)") }
                return b.normalization(spec.norm, x, tensors: names, prefix: "\(prefix).norm")
            }
            x = b.node("Gemm", [x, try initializer("input.weight"), try initializer("input.bias")], "input.output", name: "input.gemm", attributes: gemm)
            for k in 0..<r.blocks {
                let p = "blocks.\(k)"
                var h = try norm(p, x)
                h = b.node("Gemm", [h, try initializer("\(p).linear1.weight"), try initializer("\(p).linear1.bias")], "\(p).linear1.output", name: "\(p).linear1.gemm", attributes: gemm)
                h = b.activation(spec.activation, h, prefix: p)
                h = b.node("Gemm", [h, try initializer("\(p).linear2.weight"), try initializer("\(p).linear2.bias")], "\(p).linear2.output", name: "\(p).linear2.gemm", attributes: gemm)
                x = b.node("Add", [x, h], "\(p).output", name: "\(p).residual")
            }
            x = b.activation(spec.activation, try norm("head", x), prefix: "head")
            x = b.node("Gemm", [x, try initializer("head.weight"), try initializer("head.bias")], valueOutput, name: "head.gemm", attributes: gemm)
        }
        for i in 0..<(spec.residual == nil ? layers : 0) {
            let weight = try initializer("layers.\(i).weight"), bias = try initializer("layers.\(i).bias")
            let last = i == layers - 1
            let out = last && head == .meanSquaredError(outputs: 1) && m.preprocessing.target == nil ? interface.output : "layers.\(i).output"
            x = b.node("Gemm", [x, weight, bias], out, name: "layers.\(i).gemm", attributes: [.init(name: "transB", value: .int(1))])
            if spec.normalizes(layer: i) {
                let names = try spec.norm.tensorNames.map { try initializer(NetworkSpec.normName(layer: i, $0)) }
                x = b.normalization(spec.norm, x, tensors: names, prefix: "layers.\(i).norm")
            }
            if !last { x = b.activation(spec.activation, x, prefix: "layers.\(i)") }
        }

        // Output head.
        switch head {
        case .softmaxCrossEntropy:
            b.node("Softmax", [x], interface.output, name: "head.softmax", attributes: [.init(name: "axis", value: .int(1))])
        case .binaryCrossEntropy:
            b.constant("head.one", [], [1])
            let p = b.node("Sigmoid", [x], "head.p", name: "head.sigmoid")
            let q = b.node("Sub", ["head.one", p], "head.q", name: "head.complement")
            b.node("Concat", [q, p], interface.output, name: "head.concat", attributes: [.init(name: "axis", value: .int(1))])
        case .meanSquaredError:
            // The last Gemm writes `value`, or the scaled target, which `TargetScaling.unscale` turns back.
            if let scaling = m.preprocessing.target {
                b.constant("target.std", [], [Float(scaling.std)])
                b.constant("target.mean", [], [Float(scaling.mean)])
                let product = b.node("Mul", [x, "target.std"], "target.product", name: "target.mul")
                b.node("Add", [product, "target.mean"], interface.output, name: "target.add")
            }
        }

        let columns = interface.inputColumns
        let codes = spec.embedding == nil ? "" : " (an embedded categorical feature: one column holding the category's index in model.json's categories; NaN or any other value = missing or unseen)"
        let inputDoc = "float32 [N, \(columns.count)]: the raw numeric features (NaN = missing) and the one-hot columns of each categorical feature\(codes), in this order: " + columns.joined(separator: ", ")
        let outputDoc = m.task == .classification
            ? "class probabilities [N, \(interface.outputColumns.count)], columns in the order of the class labels: \((m.classes ?? []).joined(separator: ", "))"
            : "the predicted \(m.target) [N, 1]"
        let graph = ONNXProto.Graph(
            name: m.name, nodes: b.nodes, initializers: b.initializers,
            inputs: [.init(name: Self.inputName, elementType: .float, shape: [.param("N"), .value(columns.count)], doc: inputDoc)],
            outputs: [.init(name: interface.output, elementType: .float, shape: [.param("N"), .value(interface.outputColumns.count)], doc: outputDoc)],
            doc: "tandem \(m.task.rawValue) model '\(m.name)' (\(m.architecture.kind) \(m.architecture.widths.map(String.init).joined(separator: "-"))), preprocessing folded in")
        proto = ONNXProto.Model(
            irVersion: Self.irVersion, opset: Self.opset, producerName: "tandem", producerVersion: m.lineage.tandemVersion,
            doc: "Exported by tandem \(m.lineage.tandemVersion) from parameters \(m.lineage.paramsSHA256); see model.json for the preprocessing and lineage.",
            graph: graph,
            metadata: [("input_columns", columns.joined(separator: "\n")), ("output_columns", interface.outputColumns.joined(separator: "\n")),
                       ("params_sha256", m.lineage.paramsSHA256)])
    }

    /// The serialized `ModelProto`.
    public func encoded() -> Data { proto.encoded() }
}

/// Collects the nodes and initializers of a graph in order.
struct GraphBuilder {
    var nodes: [ONNXProto.Node] = []
    var initializers: [ONNXProto.Tensor] = []

    /// Appends a node with one output; returns the output's name.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], _ output: String, name: String,
                       attributes: [ONNXProto.Attribute] = []) -> String {
        nodes.append(.init(opType: op, inputs: inputs, outputs: [output], name: name, attributes: attributes))
        return output
    }

    /// Adds a float32 initializer (`dims` empty for a scalar).
    mutating func constant(_ name: String, _ dims: [Int], _ values: [Float]) {
        initializers.append(.init(name: name, dims: dims, values: values))
    }

    /// Appends the inference-mode normalization of `x` `[N, C]` with `tensors` (weight, bias and,
    /// for batch, running mean and variance; epsilon 1e-5 as `BatchNorm` and `LayerNorm`):
    /// BatchNormalization, or layer normalization composed from ReduceMean, Sub, Mul, Add, Sqrt,
    /// Div (LayerNormalization is opset 17); returns the result's name.
    mutating func normalization(_ kind: NormKind, _ x: String, tensors: [String], prefix: String) -> String {
        let epsilon: Float = 1e-5
        switch kind {
        case .none:
            return x
        case .batch:
            return node("BatchNormalization", [x] + tensors, "\(prefix).output", name: "\(prefix).batchnorm",
                        attributes: [.init(name: "epsilon", value: .float(epsilon))])
        case .layer:
            if !initializers.contains(where: { $0.name == "layernorm.epsilon" }) { constant("layernorm.epsilon", [], [epsilon]) }
            let axes: [ONNXProto.Attribute] = [.init(name: "axes", value: .ints([1])), .init(name: "keepdims", value: .int(1))]
            let mean = node("ReduceMean", [x], "\(prefix).mean", name: "\(prefix).mean", attributes: axes)
            let centered = node("Sub", [x, mean], "\(prefix).centered", name: "\(prefix).centered")
            let squared = node("Mul", [centered, centered], "\(prefix).squared", name: "\(prefix).squared")
            let variance = node("ReduceMean", [squared], "\(prefix).variance", name: "\(prefix).variance", attributes: axes)
            let shifted = node("Add", [variance, "layernorm.epsilon"], "\(prefix).variance_eps", name: "\(prefix).variance_eps")
            let sigma = node("Sqrt", [shifted], "\(prefix).sigma", name: "\(prefix).sigma")
            let normalized = node("Div", [centered, sigma], "\(prefix).normalized", name: "\(prefix).normalized")
            let scaled = node("Mul", [normalized, tensors[0]], "\(prefix).scaled", name: "\(prefix).scaled")
            return node("Add", [scaled, tensors[1]], "\(prefix).output", name: "\(prefix).output")
        }
    }

    /// Appends the nodes of `activation` applied to `x`; returns the result's name.
    mutating func activation(_ activation: Activation, _ x: String, prefix: String) -> String {
        let out = "\(prefix).\(activation.rawValue)"
        switch activation {
        case .relu: return node("Relu", [x], out, name: out)
        case .tanh: return node("Tanh", [x], out, name: out)
        case .sigmoid: return node("Sigmoid", [x], out, name: out)
        case .identity: return x
        case .gelu:
            // 0.5 * x * (1 + erf(x * 0.70710678...)), in the order Activation.gelu evaluates it.
            if !initializers.contains(where: { $0.name == "gelu.half" }) {
                constant("gelu.half", [], [0.5])
                constant("gelu.one", [], [1])
                constant("gelu.sqrt1_2", [], [0.70710678118654752])
            }
            let halfX = node("Mul", ["gelu.half", x], "\(out).half_x", name: "\(out).half_x")
            let scaled = node("Mul", [x, "gelu.sqrt1_2"], "\(out).scaled", name: "\(out).scaled")
            let erf = node("Erf", [scaled], "\(out).erf", name: "\(out).erf")
            let onePlus = node("Add", ["gelu.one", erf], "\(out).one_plus", name: "\(out).one_plus")
            return node("Mul", [halfX, onePlus], out, name: out)
        }
    }
}
