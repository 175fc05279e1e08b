import Foundation
import Testing
import TandemArtifact
import TandemData
import TandemModel
import TandemTensor
import TestSupport
@testable import TandemTrain

/// True when `python3` can import onnxruntime, numpy and safetensors.
let onnxRuntimeAvailable: Bool = python3(["-c", "import onnxruntime, numpy, safetensors.numpy"])?.status == 0

/// Cross-checks of an exported model against the reference implementations: onnxruntime runs
/// `model.onnx`, and a numpy forward pass built from `model.safetensors` (loaded with Python's
/// `safetensors`) and the preprocessing in `model.json`; both must equal `Predictor` to 1e-5 on
/// the test split of the bundled examples, with a missing numeric value (and, for iris, an
/// unseen and a missing category).
@Suite(.enabled(if: onnxRuntimeAvailable, "needs python3 with onnxruntime, numpy and safetensors (scripts/test.sh installs them into .build/python and puts it first in PATH)"))
struct ONNXPythonTests {
    static let script = """
    import json, math, sys
    import numpy as np, onnxruntime as ort
    from safetensors.numpy import load_file
    d, rows = sys.argv[1], int(sys.argv[2])
    manifest = json.load(open(d + "/model.json"))
    x = np.fromfile(d + "/input.f32", dtype="<f4").reshape(rows, -1)
    session = ort.InferenceSession(d + "/model.onnx", providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [manifest["onnx"]["input"]]
    assert [o.name for o in session.get_outputs()] == [manifest["onnx"]["output"]]
    session.run(None, {"features": x})[0].astype("<f4").tofile(d + "/onnx.f32")
    # The reference: numpy in float64 from model.json + model.safetensors.
    fill, offset, divisor = [], [], []
    for f in manifest["preprocessing"]["features"]:
        n = 1 if f["kind"] == "numeric" or f.get("embedded") else len(f["categories"])
        offset += [f["offset"]] * n; divisor += [f["divisor"]] * n
        # A missing category (NaN across its block) is the one-hot of the fitted fill category;
        # a missing embedded code is the reserved one.
        fill += [f["fill"]] if f["kind"] == "numeric" else [float(len(f["categories"]))] if f.get("embedded") else [1.0 if c == f["fillCategory"] else 0.0 for c in f["categories"]]
    h = x.astype(np.float64)
    h = np.where(np.isnan(h), np.array(fill), h)
    h = (h - np.array(offset)) / np.array(divisor)
    # scale: quantile, as scikit-learn's QuantileTransformer(output_distribution="normal").
    from statistics import NormalDist
    column = 0
    for f in manifest["preprocessing"]["features"]:
        if f.get("quantiles"):
            # The transform rounds its input to float32 first (a fill value too).
            q = np.array(f["quantiles"]); r = np.linspace(0, 1, len(q)); v = h[:, column].astype(np.float32).astype(np.float64)
            p = 0.5 * (np.interp(v, q, r) - np.interp(-v, -q[::-1], -r[::-1]))
            p = np.where(v + 1e-7 > q[-1], 1.0, p); p = np.where(v - 1e-7 < q[0], 0.0, p)
            lim = NormalDist().inv_cdf(1e-7 - np.spacing(1))
            h[:, column] = np.clip([NormalDist().inv_cdf(min(max(t, 1e-300), 1 - 1e-16)) for t in p], lim, -lim)
        column += 1 if f["kind"] == "numeric" or f.get("embedded") else len(f["categories"])
    w = {k: v.astype(np.float64) for k, v in load_file(d + "/model.safetensors").items()}
    arch = manifest["architecture"]
    if arch.get("embedding"):
        # Numeric columns, then each table's row for its code (not an index in range: the reserved last row).
        e = arch["embedding"]
        parts = [h[:, [c for c in range(e["inputs"]) if c not in e["columns"]]]]
        for t, c in enumerate(e["columns"]):
            code = h[:, c]; levels = e["levels"][t]
            ok = (code >= 0) & (code < levels) & (np.floor(code) == code)
            parts.append(w[f"embeddings.{t}.weight"][np.where(ok, np.nan_to_num(code), levels - 1).astype(int)])
        h = np.concatenate(parts, axis=1)
        if e.get("periodic"):
            # PLR: per numeric column ReLU(W_j [sin(2 pi c_j x), cos(2 pi c_j x)] + b_j), then the other columns.
            p = e["periodic"]; cols = p["columns"]
            parts = []
            for j, c in enumerate(cols):
                v = 2 * math.pi * h[:, c:c + 1] * w["numeric.frequencies"][j]
                s = np.concatenate([np.sin(v), np.cos(v)], axis=1)
                parts.append(np.maximum(s @ w["numeric.weight"][j].T + w["numeric.bias"][j], 0))
            parts.append(h[:, [c for c in range(h.shape[1]) if c not in cols]])
            h = np.concatenate(parts, axis=1)
    norm = arch.get("norm")
    erf = np.vectorize(math.erf)
    act = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
           "gelu": lambda v: 0.5 * v * (1 + erf(v / math.sqrt(2))), "identity": lambda v: v}[arch["activation"]]
    def normalize(h, n):
        if norm == "batch":
            return (h - w[n + "running_mean"]) / np.sqrt(w[n + "running_var"] + 1e-5) * w[n + "weight"] + w[n + "bias"]
        if norm == "layer":
            m = h.mean(axis=1, keepdims=True); v = ((h - m) ** 2).mean(axis=1, keepdims=True)
            return (h - m) / np.sqrt(v + 1e-5) * w[n + "weight"] + w[n + "bias"]
        return h
    if arch["kind"] == "resnet":
        h = h @ w["input.weight"].T + w["input.bias"]
        for k in range(arch["blocks"]):
            p = f"blocks.{k}."
            z = act(normalize(h, p + "norm.") @ w[p + "linear1.weight"].T + w[p + "linear1.bias"])
            h = h + z @ w[p + "linear2.weight"].T + w[p + "linear2.bias"]
        h = act(normalize(h, "head.norm.")) @ w["head.weight"].T + w["head.bias"]
    else:
        layers = len([k for k in w if k.startswith("layers.") and k.endswith(".weight") and ".norm." not in k])
        for i in range(layers):
            h = h @ w[f"layers.{i}.weight"].T + w[f"layers.{i}.bias"]
            if i < layers - 1:
                h = act(normalize(h, f"layers.{i}.norm."))
    out = manifest["architecture"]["output"]
    if out == "softmax":
        e = np.exp(h - h.max(axis=1, keepdims=True)); h = e / e.sum(axis=1, keepdims=True)
    elif out == "sigmoid":
        p = 1 / (1 + np.exp(-h)); h = np.concatenate([1 - p, p], axis=1)
    elif manifest["preprocessing"].get("target"):  # regression trained on a scaled target
        t = manifest["preprocessing"]["target"]; h = h * t["std"] + t["mean"]
    h.astype("<f4").tofile(d + "/numpy.f32")
    print("ok")
    """

    /// Exports an (initialized, untrained) model for `example`, damages some test rows, and
    /// compares onnxruntime and the numpy reference with `Predictor` on the whole test split.
    func crossCheck(_ example: String, overrides: [String] = [], frequencies: Float? = nil, damage: (inout Table, [Int], Preprocessor) -> Void) throws {
        let path = Examples.root.appendingPathComponent("\(example).yaml").path
        var config = try ConfigLoader.load(path: path, overrides: overrides)
        config.data.path = Examples.root.appendingPathComponent("data").appendingPathComponent(URL(fileURLWithPath: config.data.path).lastPathComponent).path
        let data = try PreparedData.prepare(config.data)
        let head = LossHead(classes: data.classes?.count)
        let net = try Network(spec: NetworkSpec(inputs: data.train.x.cols, hidden: config.model.hidden, outputs: head.outputs,
                                                activation: config.model.activation, norm: config.model.norm,
                                                residual: config.model.residualShape,
                                                embedding: try config.embeddingShape(preprocessor: data.preprocessor)))
        try Initializer.initialize(net.arena, scheme: config.model.initScheme, seed: 11)
        // Normalization tensors away from their initial 1 / 0, so the check sees each of them.
        var rng = RandomGenerator(seed: 12)
        for slot in net.arena.slots where slot.name.contains(".norm.") {
            for i in 0..<slot.count {
                let u = Float(rng.nextDouble())
                net.arena.params.base[slot.offset + i] = slot.name.hasSuffix("running_var") || slot.name.hasSuffix("weight") ? 0.5 + u : u - 0.5
            }
        }
        if let frequencies, let c = net.arena.slot(named: "numeric.frequencies") {
            for i in 0..<c.count { net.arena.params.base[c.offset + i] = frequencies * Float(rng.nextDouble() * 2 - 1) }
        }
        let output = head == .binaryCrossEntropy ? "sigmoid" : data.classes == nil ? "identity" : "softmax"
        let manifest = ArtifactManifest(
            name: config.name, task: config.data.task, preprocessing: data.preprocessor, classes: data.classes, target: config.data.target,
            architecture: .init(kind: config.model.kind.rawValue, widths: net.spec.widths, activation: config.model.activation.rawValue, output: output,
                                norm: config.model.norm == .none ? nil : config.model.norm.rawValue,
                                blocks: config.model.blocks, blockHidden: config.model.blockHidden, embedding: net.spec.embedding),
            metrics: [:], lineage: .init(dataSHA256: data.dataSHA256, paramsSHA256: net.arena.sha256, seed: 11, tandemVersion: TandemInfo.version, config: ""))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ModelArtifact(manifest: manifest, tensors: net.arena.tensors()).write(to: dir.path)
        let predictor = try Predictor(ModelArtifact.load(dir.path))

        var table = try predictor.load(config.data.path)
        let rows = data.test.sourceRows
        damage(&table, rows, data.preprocessor)
        let expected = try predictor.outputs(table: table, rows: rows)
        let input = try Self.onnxInput(table: table, rows: rows, preprocessing: data.preprocessor)
        #expect(input.contains { $0.isNaN }, "the test input should hold a missing value")
        try Data(input.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
            .write(to: dir.appendingPathComponent("input.f32"))

        let result = try #require(python3(["-c", Self.script, dir.path, String(rows.count)]))
        #expect(result.status == 0 && result.output.hasPrefix("ok"), "python failed: \(result.output)")
        for name in ["onnx", "numpy"] {
            let bytes = try Data(contentsOf: dir.appendingPathComponent("\(name).f32"))
            let got = bytes.withUnsafeBytes { raw in (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
            #expect(got.count == expected.values.count, "\(example) \(name): \(got.count) outputs, expected \(expected.values.count)")
            let worst = zip(got, expected.values).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
            #expect(worst <= 1e-5, "\(example): \(name) differs from Predictor by \(worst)")
        }
    }

    /// The `features` input of model.onnx for `rows`: numeric features raw (NaN = missing),
    /// categorical ones one-hot (unseen -> zeros, missing -> NaN across the block, which the
    /// graph turns into the fitted fill category's one-hot).
    static func onnxInput(table: Table, rows: [Int], preprocessing: Preprocessor) throws -> [Float] {
        var out: [Float] = []
        for r in rows {
            for f in preprocessing.features {
                let column = table.columns[try table.requireIndex(of: f.name)]
                if f.kind == .numeric {
                    out.append(Float(column.number(at: r) ?? .nan))
                } else if f.isEmbedded {
                    // The code: the category's index; missing -> NaN, unseen -> an index past the table.
                    out.append(column.text(at: r).map { Float(f.categories.firstIndex(of: $0) ?? f.categories.count + 3) } ?? .nan)
                } else {
                    if let text = column.text(at: r) {
                        out += f.categories.map { $0 == text ? 1 : 0 }
                    } else {
                        out += [Float](repeating: .nan, count: f.categories.count)  // missing: the graph fills it
                    }
                }
            }
        }
        return out
    }

    /// Sets the cell of numeric feature `feature` in `row` to missing.
    static func setMissing(_ table: inout Table, feature: String, row: Int) {
        guard let c = table.index(of: feature), case .numeric(var v) = table.columns[c] else { return }
        v[row] = .nan
        table.columns[c] = .numeric(v)
    }

    @Test func digitsSoftmax() throws {
        try crossCheck("digits") { t, rows, _ in Self.setMissing(&t, feature: "pixel_20", row: rows[0]) }
    }

    @Test func breastCancerSigmoidBinary() throws {
        try crossCheck("breast_cancer") { t, rows, _ in
            Self.setMissing(&t, feature: "mean_radius", row: rows[0])
            Self.setMissing(&t, feature: "worst_area", row: rows[1])
        }
    }

    /// The other hidden activations: GELU (composed from Erf) and sigmoid, on digits with two layers.
    @Test func digitsGeluAndSigmoid() throws {
        for activation in ["gelu", "sigmoid"] {
            try crossCheck("digits", overrides: ["model.activation=\(activation)", "model.hidden=[32,16]"]) { t, rows, _ in
                Self.setMissing(&t, feature: "pixel_5", row: rows[3])
            }
        }
    }

    /// Batch normalization (BatchNormalization with the running statistics) and layer
    /// normalization (composed at opset 13), on two hidden layers, with missing and unseen values.
    @Test(arguments: ["batch", "layer"])
    func normalization(_ norm: String) throws {
        try crossCheck("digits", overrides: ["model.norm=\(norm)", "model.hidden=[32,16]"]) { t, rows, _ in
            Self.setMissing(&t, feature: "pixel_5", row: rows[3])
        }
        try crossCheck("iris-regression", overrides: ["model.kind=mlp", "model.solver=gradient", "model.norm=\(norm)", "model.hidden=[8]"]) { t, rows, _ in
            Self.setMissing(&t, feature: "sepal_length", row: rows[0])
            guard let c = t.index(of: "species"), case .categorical(var v) = t.columns[c] else { return }
            v[rows[1]] = "unseen-species"
            v[rows[2]] = nil
            t.columns[c] = .categorical(v)
        }
    }

    /// A resnet (batch normalization, GELU) on digits and on iris regression with an unseen
    /// and a missing category: Gemm, normalization, activation and the residual Add.
    @Test func resnet() throws {
        try crossCheck("digits", overrides: ["model.kind=resnet", "model.hidden=[]", "model.blocks=2", "model.width=24", "model.norm=batch",
                                             "model.activation=gelu"]) { t, rows, _ in
            Self.setMissing(&t, feature: "pixel_5", row: rows[3])
        }
        try crossCheck("iris-regression", overrides: ["model.kind=resnet", "model.solver=gradient", "model.blocks=1", "model.width=8",
                                                      "model.norm=layer"]) { t, rows, _ in
            Self.setMissing(&t, feature: "sepal_length", row: rows[0])
            guard let c = t.index(of: "species"), case .categorical(var v) = t.columns[c] else { return }
            v[rows[1]] = "unseen-species"
            v[rows[2]] = nil
            t.columns[c] = .categorical(v)
        }
    }

    /// `scale: quantile` on every numeric feature (values at, below and above the training
    /// range, ties, a missing value) with a regression target scaled for training.
    @Test func irisRegressionQuantileAndTargetScaling() throws {
        try crossCheck("iris-regression", overrides: ["data.preprocess.scale=quantile"]) { t, rows, p in
            #expect(p.features.contains { $0.quantiles != nil } && p.target != nil)
            Self.setMissing(&t, feature: "sepal_length", row: rows[0])
            guard let c = t.index(of: "petal_length"), case .numeric(var v) = t.columns[c] else { return }
            v[rows[1]] = -5
            v[rows[2]] = 50
            v[rows[3]] = p.features.first { $0.name == "petal_length" }?.quantiles?.first ?? 1
            t.columns[c] = .numeric(v)
        }
    }

    /// The penguins example: quantile-scaled numeric features next to one-hot categories
    /// (missing cells in both, an unseen island), three classes.
    @Test func penguinsQuantileWithCategories() throws {
        try crossCheck("penguins") { t, rows, _ in
            Self.setMissing(&t, feature: "bill_length_mm", row: rows[0])
            guard let c = t.index(of: "island"), case .categorical(var v) = t.columns[c] else { return }
            v[rows[1]] = "Anvers"
            v[rows[2]] = nil
            t.columns[c] = .categorical(v)
        }
    }

    /// Categorical embeddings (Gather per table) in a resnet with batch normalization and in an
    /// MLP: missing and unseen categories take the reserved row, next to quantile-scaled numbers.
    @Test func penguinsEmbedding() throws {
        func damage(_ t: inout Table, _ rows: [Int], _ p: Preprocessor) {
            #expect(p.features.contains { $0.isEmbedded })
            Self.setMissing(&t, feature: "bill_length_mm", row: rows[0])
            for name in ["island", "sex"] {
                guard let c = t.index(of: name), case .categorical(var v) = t.columns[c] else { continue }
                v[rows[1]] = "Anvers"
                v[rows[2]] = nil
                t.columns[c] = .categorical(v)
            }
        }
        try crossCheck("penguins", overrides: ["data.preprocess.categorical=embedding", "model.kind=resnet", "model.hidden=[]", "model.blocks=1",
                                               "model.width=16", "model.norm=batch", "data.cache=off"], damage: damage)
        try crossCheck("penguins", overrides: ["data.preprocess.categorical=embedding", "model.embedding_dim=5", "data.cache=off"], damage: damage)
        // Periodic numeric embeddings (Sin, Cos, Gemm, Relu per feature) after the tables, and
        // with one-hot categories; frequencies of order 1 so the periodic part is not near-linear.
        for encoding in ["embedding", "onehot"] {
            try crossCheck("penguins", overrides: ["data.preprocess.categorical=\(encoding)", "model.numeric_embedding=periodic", "data.cache=off"],
                           frequencies: 1) { t, rows, p in
                Self.setMissing(&t, feature: "bill_length_mm", row: rows[0])
                guard let c = t.index(of: "island"), case .categorical(var v) = t.columns[c] else { return }
                v[rows[1]] = "Anvers"
                v[rows[2]] = nil
                t.columns[c] = .categorical(v)
            }
        }
    }

    @Test func irisRegressionWithCategories() throws {
        try crossCheck("iris-regression") { t, rows, _ in
            Self.setMissing(&t, feature: "sepal_length", row: rows[0])
            guard let c = t.index(of: "species"), case .categorical(var v) = t.columns[c] else { return }
            v[rows[1]] = "unseen-species"
            v[rows[2]] = nil
            t.columns[c] = .categorical(v)
        }
    }
}
