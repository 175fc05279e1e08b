import CKernels

/// The fused gather + transform of a batch: reads the raw columns of the requested rows of a
/// prepared dataset and writes their preprocessed features (imputed, scaled, one-hot) straight
/// into a caller's buffer, so only the batch is ever encoded and nothing is allocated per batch.
///
/// Gives exactly `Preprocessor.transform` on the same rows: numeric
/// `Float(((x is NaN ? fill : x) - offset) / divisor)` (or the quantile transform of the imputed
/// value) in double precision on the stored values
/// (which are the parsed doubles bit for bit), and a 1 at the category's one-hot position.
///
/// With `categorical: embedding` a categorical feature takes one output column holding its code
/// as a float (exact: codes are below 2^24): the category's index in the fitted categories, or
/// the reserved code `categories.count` for a missing cell or a category the training split did
/// not have. The model's `Embedding` layer reads those columns (`EmbeddingShape.columns`).
public struct BatchEncoder: Sendable {
    /// How one feature is read and written.
    enum Plan: Sendable {
        /// Numeric column (`f4` or `f8`) into output column `out`.
        case numeric(column: PreparedColumn, fill: Double, offset: Double, divisor: Double, out: Int)
        /// Categorical codes into the block starting at `out`; `positions[code]` is the one-hot
        /// position of each dictionary value (-1: not a training category), `fill` that of a
        /// missing cell.
        case onehot(column: PreparedColumn, positions: [Int32], fill: Int32, out: Int)
        /// Numeric column through a quantile grid (`QuantileTransform`) into output column `out`.
        case quantile(column: PreparedColumn, fill: Double, quantiles: [Double], out: Int)
        /// Categorical codes as embedding codes into output column `out`: `codes[code]` for each
        /// dictionary value (`reserved` when not a training category), `reserved` for a missing cell.
        case code(column: PreparedColumn, codes: [Float], reserved: Float, out: Int)
    }

    let plans: [Plan]
    /// The numeric plans as raw pointers and constants, so a batch makes no reference counting
    /// and no string comparison (the columns stay alive through `plans`).
    let numeric: [NumericColumn]
    /// Whether any feature is one-hot encoded (only then is the batch zeroed first).
    let hasOneHot: Bool
    /// Whether any feature is encoded by a plan other than the numeric kernel (one-hot, quantile, code).
    let hasOtherPlans: Bool
    /// Output columns per row (`Preprocessor.outputWidth`).
    public let width: Int

    /// A numeric feature: stored values (`f4` or `f8`), its imputation and scaling, its output column.
    struct NumericColumn: @unchecked Sendable {
        let values: UnsafeRawPointer?
        let isFloat32: Bool
        let fill, offset, divisor: Double
        let out: Int
    }

    /// An encoder applying `preprocessor` to `table`'s columns (found by name).
    ///
    /// Checks once, over whole columns, what the transform would check per cell: a feature
    /// missing from the table or of another kind is a `DataError`, and so is a value that
    /// overflows float32 once scaled (naming its line), so encoding a batch cannot fail.
    public init(preprocessor: Preprocessor, table: PreparedTable) throws {
        var plans: [Plan] = []
        var out = 0
        for f in preprocessor.features {
            guard let column = table.column(named: f.name) else {
                throw DataError(file: table.sourceName, column: f.name, message: "feature column not found in the prepared data; it has: \(DataError.list(table.columns.map(\.record.name)))")
            }
            guard column.record.kind == f.kind else {
                throw DataError(file: table.sourceName, column: f.name, message: "the feature is \(f.kind.rawValue) in the preprocessing but \(column.record.kind.rawValue) in the data")
            }
            switch f.kind {
            case .numeric:
                if let q = f.quantiles {  // bounded by QuantileTransform.clip: nothing to check
                    plans.append(.quantile(column: column, fill: f.fill, quantiles: q, out: out))
                    break
                }
                try Self.checkRange(f, column: column, table: table)
                plans.append(.numeric(column: column, fill: f.fill, offset: f.offset, divisor: f.divisor, out: out))
            case .categorical where f.isEmbedded:
                let index = f.codeIndex
                let reserved = Float(f.categories.count)
                plans.append(.code(column: column, codes: column.dictionary.map { index[$0].map(Float.init) ?? reserved },
                                   reserved: reserved, out: out))
            case .categorical:
                let index = Dictionary(f.categories.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { a, _ in a })
                plans.append(.onehot(column: column, positions: column.dictionary.map { index[$0] ?? -1 },
                                     fill: index[f.fillCategory] ?? -1, out: out))
            }
            out += f.width
        }
        self.plans = plans
        width = out
        numeric = plans.compactMap {
            guard case .numeric(let column, let fill, let offset, let divisor, let out) = $0 else { return nil }
            return NumericColumn(values: column.buffer.bytes.baseAddress, isFloat32: column.record.dtype == "f4",
                                 fill: fill, offset: offset, divisor: divisor, out: out)
        }
        hasOtherPlans = numeric.count < plans.count
        hasOneHot = plans.contains { if case .onehot = $0 { true } else { false } }
    }

    /// Writes the encoded features of `rows` (dataset row indices) to `output`
    /// `[rows.count, width]`, row-major.
    ///
    /// Numeric columns go through `tandem_gather_scale_f4/f8` (CKernels, vectorized for the CPU;
    /// each element computed as `Preprocessor.transform` does, so the bits are the same).
    public func encode(rows: UnsafeBufferPointer<Int>, into output: UnsafeMutablePointer<Float>) {
        let n = rows.count
        guard n > 0, let rowBase = rows.baseAddress else { return }
        if hasOneHot { output.update(repeating: 0, count: n * width) }
        numeric.withUnsafeBufferPointer { columns in
            for c in columns {
                guard let values = c.values else { continue }
                if c.isFloat32 {
                    tandem_gather_scale_f4(values.assumingMemoryBound(to: Float.self), rowBase, n, c.fill, c.offset, c.divisor,
                                           output + c.out, width)
                } else {
                    tandem_gather_scale_f8(values.assumingMemoryBound(to: Double.self), rowBase, n, c.fill, c.offset, c.divisor,
                                           output + c.out, width)
                }
            }
        }
        guard hasOtherPlans else { return }
        for plan in plans {
            switch plan {
            case .numeric:
                continue
            case .quantile(let column, let fill, let quantiles, let out):
                quantiles.withUnsafeBufferPointer { q in
                    for i in 0..<n {
                        let raw = column.number(rows[i])
                        output[i * width + out] = Float(QuantileTransform.apply(raw.isNaN ? fill : raw, quantiles: q))
                    }
                }
            case .code(let column, let codes, let reserved, let out):
                let stored = column.buffer.typed(Int32.self)
                codes.withUnsafeBufferPointer { c in
                    for i in 0..<n {
                        let code = stored[rows[i]]
                        output[i * width + out] = code < 0 ? reserved : c[Int(code)]
                    }
                }
            case .onehot(let column, let positions, let fill, let out):
                let codes = column.buffer.typed(Int32.self)
                positions.withUnsafeBufferPointer { p in
                    for i in 0..<n {
                        let code = codes[rows[i]]
                        let k = code < 0 ? fill : p[Int(code)]
                        if k >= 0 { output[i * width + out + Int(k)] = 1 }
                    }
                }
            }
        }
    }

    /// Throws if a stored value (or the fill of a missing cell) overflows float32 once scaled,
    /// naming the first such row's line. The scaling is monotonic, so the column's range decides.
    static func checkRange(_ f: FeatureTransform, column: PreparedColumn, table: PreparedTable) throws {
        func fits(_ x: Double) -> Bool { Float((x - f.offset) / f.divisor).isFinite }
        let r = column.record
        let extremes = [r.min, r.max].compactMap { $0 } + (r.missing > 0 ? [f.fill] : [])
        guard !extremes.allSatisfy(fits) else { return }
        for row in 0..<table.rows {
            let raw = column.number(row)
            let x = raw.isNaN ? f.fill : raw
            if !fits(x) {
                throw DataError(file: table.sourceName, line: table.line(row), column: f.name, message: FeatureTransform.outOfRange(x))
            }
        }
    }
}
