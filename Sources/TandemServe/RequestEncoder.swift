import TandemArtifact
import TandemData

/// Encodes parsed request rows (`RequestRows`) into the network's input exactly as
/// `Preprocessor.transform(table:rows:)` encodes the same rows of a table (same values, bit for
/// bit): a missing number takes the fitted fill and is scaled in double precision; a categorical
/// value sets its one-hot column (a missing one the fill category's, an unseen one none) or, for an
/// embedded feature, gives its code. Built once per model, so a request makes no name lookup and
/// builds no category index.
struct RequestEncoder: Sendable {
    /// One feature: where its raw value is (`RequestRows` column) and where its encoding goes.
    private struct Step: Sendable {
        let transform: FeatureTransform
        let source: Int
        let output: Int
        /// Category -> position (categorical features).
        let index: [String: Int]
    }

    private let steps: [Step]
    /// Features per raw row.
    let features: Int
    /// Columns of an encoded row.
    let width: Int

    /// The encoder for `preprocessor`'s features, which must all be among `schema`'s names (a
    /// model's manifest lists exactly its preprocessing's features; `ModelArtifact` checks it).
    init(preprocessor: Preprocessor, schema: RowsRequest.Schema) throws {
        var steps: [Step] = []
        var output = 0
        for f in preprocessor.features {
            guard let source = schema.index[f.name] else {
                throw ArtifactError(.invalidField(file: "model.json", field: "features", problem: "the preprocessing's feature '\(f.name)' is not among the model's features [\(schema.listed)]"))
            }
            steps.append(Step(transform: f, source: source, output: output, index: f.kind == .categorical ? f.codeIndex : [:]))
            output += f.width
        }
        self.steps = steps
        features = schema.names.count
        width = preprocessor.outputWidth
    }

    /// Writes the encoded rows into `out` (`[rows.count, width]`, zeroed by the caller). Throws
    /// `ServeError` 400 naming the row and feature of a value that overflows float32 once scaled.
    func encode(_ rows: RequestRows, into out: UnsafeMutablePointer<Float>) throws(ServeError) {
        let n = rows.count
        // Through a buffer pointer, so each step is read in place rather than copied (and its
        // transform's arrays retained) per feature.
        try steps.withUnsafeBufferPointer { steps throws(ServeError) in
            for i in steps.indices {
                let source = steps[i].source, output = steps[i].output
                switch steps[i].transform.kind {
                case .numeric where steps[i].transform.quantiles == nil:
                    // `scaled(x)` without the quantile grid, its constants hoisted out of the row loop.
                    let fill = steps[i].transform.fill, offset = steps[i].transform.offset, divisor = steps[i].transform.divisor
                    try rows.numbers.withUnsafeBufferPointer { numbers throws(ServeError) in
                        for r in 0..<n {
                            let raw = numbers[r * features + source]
                            let x = raw.isNaN ? fill : raw
                            let v = Float((x - offset) / divisor)
                            guard v.isFinite, x.isFinite else {
                                throw .badRequest(.valueOutOfRange(row: r, name: steps[i].transform.name, value: x))
                            }
                            out[r * width + output] = v
                        }
                    }
                case .numeric:
                    let fill = steps[i].transform.fill
                    for r in 0..<n {
                        let raw = rows.numbers[r * features + source]
                        let x = raw.isNaN ? fill : raw
                        let v = Float(steps[i].transform.scaled(x))
                        guard v.isFinite, x.isFinite else {
                            let name = steps[i].transform.name
                            throw .badRequest(.valueOutOfRange(row: r, name: name, value: x))
                        }
                        out[r * width + output] = v
                    }
                case .categorical where steps[i].transform.isEmbedded:
                    for r in 0..<n { out[r * width + output] = Float(steps[i].transform.code(of: rows.texts[r * features + source], index: steps[i].index)) }
                case .categorical:
                    for r in 0..<n {
                        if let k = steps[i].index[rows.texts[r * features + source] ?? steps[i].transform.fillCategory] { out[r * width + output + k] = 1 }
                    }
                }
            }
        }
    }
}
