import TandemModel

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
