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
        for step in steps {
            let f = step.transform
            switch f.kind {
            case .numeric:
                for r in 0..<n {
                    let raw = rows.numbers[r * features + step.source]
                    let x = raw.isNaN ? f.fill : raw
                    let v = Float(f.scaled(x))
                    guard v.isFinite, x.isFinite else {
                        throw .badRequest("rows[\(r)].\(f.name): \(x.isFinite ? FeatureTransform.outOfRange(x) : "expected a finite number, found \(CellText.format(x))")")
                    }
                    out[r * width + step.output] = v
                }
            case .categorical where f.isEmbedded:
                for r in 0..<n { out[r * width + step.output] = Float(f.code(of: rows.texts[r * features + step.source], index: step.index)) }
            case .categorical:
                for r in 0..<n {
                    if let k = step.index[rows.texts[r * features + step.source] ?? f.fillCategory] { out[r * width + step.output + k] = 1 }
                }
            }
        }
    }
}
