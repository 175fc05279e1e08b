/// Encodes CSV records straight from their bytes exactly as `Preprocessor.transform(table:rows:)`
/// encodes the same rows of a loaded `Table` (same values, bit for bit, and the same errors),
/// without building a table: for predicting on files too large to hold as text cells.
///
/// A numeric feature's cell is parsed as `Table` types a numeric column (`CellText.number`; a
/// missing token takes the fitted fill); a categorical feature's cell is its trimmed text, as
/// `Table` keeps a column forced categorical (a missing token takes the fill category; an unseen
/// category gives an all-zero block; an embedded feature's code is the reserved one for both).
public struct RecordEncoder {
    /// One feature: where its cell is and where its encoding goes (plain values, so the per-cell
    /// loop copies no strings). `category` indexes `categories` for a categorical feature, else -1.
    private struct Step {
        var column: Int
        var output: Int
        var fill: Double
        var offset: Double
        var divisor: Double
        var category: Int
        /// The quantile grid (`scale: quantile`), else nil.
        var quantiles: [Double]?
    }

    private let steps: [Step]
    private let features: [FeatureTransform]
    /// Per categorical feature: category -> position in its one-hot block.
    private let categories: [[String: Int]]
    /// Columns of an encoded row: `preprocessor.outputWidth`.
    public let width: Int

    /// An encoder for records with the columns `header` (file order) read from `file`. Throws
    /// `DataError` naming a feature column that `header` lacks.
    public init(preprocessor: Preprocessor, header: [String], file: String) throws {
        let table = Table(file: file, names: header, columns: header.map { _ in .numeric([]) }, lineNumbers: [])
        var steps: [Step] = []
        var categories: [[String: Int]] = []
        var output = 0
        for f in preprocessor.features {
            let c = try table.requireIndex(of: f.name, role: "feature")
            if f.kind == .numeric {
                steps.append(Step(column: c, output: output, fill: f.fill, offset: f.offset, divisor: f.divisor, category: -1,
                                  quantiles: f.quantiles))
            } else {
                steps.append(Step(column: c, output: output, fill: 0, offset: 0, divisor: 1, category: categories.count, quantiles: nil))
                categories.append(f.codeIndex)
            }
            output += f.width
        }
        self.steps = steps
        self.categories = categories
        features = preprocessor.features
        width = preprocessor.outputWidth
    }

    /// Encodes the current record of `scanner` into `row` (`[width]`, overwritten). Throws
    /// `DataError` with the record's line and the column for a numeric cell that is not a number
    /// or is infinite. The caller checks the record's field count first.
    public func encode(_ scanner: CSVRecordScanner, into row: UnsafeMutablePointer<Float>) throws {
        row.update(repeating: 0, count: width)
        try steps.withUnsafeBufferPointer { steps in
            for (i, step) in steps.enumerated() {
                let c = step.column
                if step.category < 0 {
                    let parsed = scanner.plainBytes(c).flatMap { CellText.number(bytes: $0) } ?? CellText.number(scanner.text(c))
                    guard var x = parsed else {
                        throw DataError(file: scanner.file, line: scanner.recordLine, column: features[i].name,
                                        message: "expected a number, found \(DataError.quoted(scanner.text(c)))")
                    }
                    if x.isNaN { x = step.fill }
                    guard x.isFinite else {
                        throw DataError(file: scanner.file, line: scanner.recordLine, column: features[i].name,
                                        message: ColumnTyping.overflows(scanner.text(c)) ? ColumnTyping.overflowMessage(scanner.text(c)) : "expected a finite number, found \(CellText.format(x))")
                    }
                    let v = Float(step.quantiles.map { QuantileTransform.apply(x, quantiles: $0) } ?? (x - step.offset) / step.divisor)
                    guard v.isFinite else {
                        throw DataError(file: scanner.file, line: scanner.recordLine, column: features[i].name,
                                        message: FeatureTransform.outOfRange(x))
                    }
                    row[step.output] = v
                } else {
                    let t = trimmedCell(scanner.text(c))
                    if features[i].isEmbedded {
                        let f = features[i]
                        row[step.output] = Float(f.code(of: CellText.missingTokens.contains(t) ? nil : t, index: categories[step.category]))
                    } else if let k = categories[step.category][CellText.missingTokens.contains(t) ? features[i].fillCategory : t] {
                        row[step.output + k] = 1
                    }
                }
            }
        }
    }
}
