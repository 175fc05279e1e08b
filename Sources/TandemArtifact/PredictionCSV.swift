import TandemTensor

/// The CSV `tandem predict` writes, as UTF-8 bytes: a `prediction` column (class label or value)
/// and, for classification, one `prob_<label>` column per class; numbers as Swift prints a
/// `Float` (the shortest text that reads back to the same value), labels quoted per RFC 4180.
/// Columns kept from the input (`--keep`) come first.
struct PredictionCSV {
    /// The class labels, RFC 4180-quoted as needed; nil for regression.
    private let labels: [[UInt8]]?
    /// The header line, with its line break.
    let header: [UInt8]

    /// `keep` names input columns copied in front of the predictions.
    init(manifest: ArtifactManifest, keep: [String] = []) {
        if let classes = manifest.classes, manifest.task == .classification {
            labels = classes.map { Array(Predictor.field($0).utf8) }
            header = Array(((keep + ["prediction"] + classes.map { "prob_\($0)" }).map(Predictor.field).joined(separator: ",") + "\n").utf8)
        } else {
            labels = nil
            header = Array(((keep + ["prediction"]).map(Predictor.field).joined(separator: ",") + "\n").utf8)
        }
    }

    /// Appends one line per row of `outputs` (`[rows, classes]` probabilities or `[rows, 1]`
    /// values): the most probable label (the first on ties) and the probabilities, or the value.
    /// `prefixes[r]`, when given, is written first on line `r` (the kept cells and a comma).
    func append(_ outputs: Matrix, prefixes: [[UInt8]]? = nil, to bytes: inout [UInt8]) {
        outputs.values.withUnsafeBufferPointer { v in
            let cols = outputs.cols
            for r in 0..<outputs.rows {
                if let prefixes { bytes.append(contentsOf: prefixes[r]) }
                let row = r * cols
                if let labels {
                    var best = 0
                    for c in 1..<cols where v[row + c] > v[row + best] { best = c }
                    bytes.append(contentsOf: labels[best])
                    for c in 0..<cols {
                        bytes.append(0x2C)
                        Self.appendNumber(v[row + c], to: &bytes)
                    }
                } else {
                    Self.appendNumber(v[row], to: &bytes)
                }
                bytes.append(0x0A)
            }
        }
    }

    /// Appends `x.description` (what `"\(x)"` prints) without building a `String` (`FloatText`).
    static func appendNumber(_ x: Float, to bytes: inout [UInt8]) {
        FloatText.append(x, to: &bytes)
    }
}
