import TandemFormats
import TandemModel
import TandemTensor

/// The ONNX nodes (opset 13) of the `Embedding` layer, equal to it bit for bit (a copy of table rows).
///
/// From the preprocessed input `x` `[N, inputs]`: the numeric columns are gathered (Gather on
/// axis 1 with their indices) into `[N, numeric]`; each table's code column is gathered to `[N]`,
/// a code that is not an integer in `0..<levels` (NaN included) is replaced by the reserved last
/// row (GreaterOrEqual, Less, Floor, Equal, And, Where) as `Embedding.row` does, cast to int64
/// and looked up in the table (Gather on axis 0: `[N, dim]`); Concat on axis 1 gives
/// `[N, outputWidth]` in the layer's order. Index constants are float initializers cast to int64.
extension GraphBuilder {
    /// Appends the embedding of `x` by `shape`'s tables, whose initializer names `tables` gives;
    /// returns the output's name.
    mutating func embedding(_ x: String, shape: EmbeddingShape, tables: [String]) -> String {
        let p = "embedding"
        let toInt: [ONNXProto.Attribute] = [.init(name: "to", value: .int(7))]   // INT64
        var parts: [String] = []
        let numeric = shape.numericColumns
        if !numeric.isEmpty {
            constant("\(p).numeric_columns", [numeric.count], numeric.map(Float.init))
            let index = node("Cast", ["\(p).numeric_columns"], "\(p).numeric_columns_i64", name: "\(p).numeric_columns_i64", attributes: toInt)
            parts.append(node("Gather", [x, index], "\(p).numeric", name: "\(p).numeric", attributes: [.init(name: "axis", value: .int(1))]))
        }
        constant("\(p).zero", [], [0])
        for (t, column) in shape.columns.enumerated() {
            let q = "\(p).\(t)"
            constant("\(q).column", [], [Float(column)])
            constant("\(q).levels", [], [Float(shape.levels[t])])
            constant("\(q).reserved", [], [Float(shape.levels[t] - 1)])
            let index = node("Cast", ["\(q).column"], "\(q).column_i64", name: "\(q).column_i64", attributes: toInt)
            let code = node("Gather", [x, index], "\(q).code", name: "\(q).code", attributes: [.init(name: "axis", value: .int(1))])
            let nonNegative = node("GreaterOrEqual", [code, "\(p).zero"], "\(q).non_negative", name: "\(q).non_negative")
            let below = node("Less", [code, "\(q).levels"], "\(q).below_levels", name: "\(q).below_levels")
            let floor = node("Floor", [code], "\(q).floor", name: "\(q).floor")
            let whole = node("Equal", [floor, code], "\(q).whole", name: "\(q).whole")
            let inRange = node("And", [nonNegative, below], "\(q).in_range", name: "\(q).in_range")
            let valid = node("And", [inRange, whole], "\(q).valid", name: "\(q).valid")
            let row = node("Where", [valid, code, "\(q).reserved"], "\(q).row", name: "\(q).row")
            let rowIndex = node("Cast", [row], "\(q).row_i64", name: "\(q).row_i64", attributes: toInt)
            parts.append(node("Gather", [tables[t], rowIndex], "\(q).output", name: "\(q).lookup", attributes: [.init(name: "axis", value: .int(0))]))
        }
        return node("Concat", parts, "\(p).output", name: "\(p).concat", attributes: [.init(name: "axis", value: .int(1))])
    }
}

extension GraphBuilder {
    /// Appends the periodic embeddings (`PeriodicEmbedding`) of `x` `[N, inputs]` with the
    /// model's `numeric.*` tensors; returns the output's name `[N, F * d + inputs - F]`.
    ///
    /// Per numeric column j: Gather (indices `[1]`, axis 1) -> `[N, 1]`, Mul by the frequencies
    /// `[k]` then by 2 pi (the layer's float32 order), Sin and Cos, Concat -> `[N, 2k]`, Gemm
    /// with W_j `[d, 2k]` (transB) and b_j `[d]`, Relu; then the other columns (Gather), Concat.
    mutating func periodicEmbedding(_ x: String, shape: PeriodicShape, inputs: Int, tensors: [String: NamedTensor]) throws -> String {
        let p = "numeric"
        guard let c = tensors["numeric.frequencies"], let w = tensors["numeric.weight"], let b = tensors["numeric.bias"] else {
            throw ArtifactError(.missingTensor(file: "model.safetensors", tensor: "numeric.* (the periodic embeddings)"))
        }
        let toInt: [ONNXProto.Attribute] = [.init(name: "to", value: .int(7))]
        let k = shape.frequencies, d = shape.width
        constant("\(p).two_pi", [], [PeriodicEmbedding.twoPi])
        var parts: [String] = []
        for (j, column) in shape.columns.enumerated() {
            let q = "\(p).\(j)"
            constant("\(q).column", [1], [Float(column)])
            constant("\(q).frequencies", [k], Array(c.values[(j * k)..<((j + 1) * k)]))
            constant("\(q).weight", [d, 2 * k], Array(w.values[(j * d * 2 * k)..<((j + 1) * d * 2 * k)]))
            constant("\(q).bias", [d], Array(b.values[(j * d)..<((j + 1) * d)]))
            let index = node("Cast", ["\(q).column"], "\(q).column_i64", name: "\(q).column_i64", attributes: toInt)
            let value = node("Gather", [x, index], "\(q).x", name: "\(q).gather", attributes: [.init(name: "axis", value: .int(1))])
            let product = node("Mul", [value, "\(q).frequencies"], "\(q).cx", name: "\(q).cx")
            let v = node("Mul", [product, "\(p).two_pi"], "\(q).v", name: "\(q).v")
            let sin = node("Sin", [v], "\(q).sin", name: "\(q).sin")
            let cos = node("Cos", [v], "\(q).cos", name: "\(q).cos")
            let s = node("Concat", [sin, cos], "\(q).periodic", name: "\(q).periodic", attributes: [.init(name: "axis", value: .int(1))])
            let h = node("Gemm", [s, "\(q).weight", "\(q).bias"], "\(q).linear", name: "\(q).linear", attributes: [.init(name: "transB", value: .int(1))])
            parts.append(node("Relu", [h], "\(q).output", name: "\(q).relu"))
        }
        let numeric = Set(shape.columns)
        let others = (0..<inputs).filter { !numeric.contains($0) }
        if !others.isEmpty {
            constant("\(p).other_columns", [others.count], others.map(Float.init))
            let index = node("Cast", ["\(p).other_columns"], "\(p).other_columns_i64", name: "\(p).other_columns_i64", attributes: toInt)
            parts.append(node("Gather", [x, index], "\(p).others", name: "\(p).others", attributes: [.init(name: "axis", value: .int(1))]))
        }
        return node("Concat", parts, "\(p).output", name: "\(p).concat", attributes: [.init(name: "axis", value: .int(1))])
    }
}
