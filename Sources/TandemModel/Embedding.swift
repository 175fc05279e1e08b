import TandemTensor

/// Categorical embeddings: each categorical code column of the input becomes the row of its
/// learned table, concatenated after the numeric columns (`EmbeddingShape`).
///
/// Shapes: x `[rows, inputs]` (numeric values and, at `columns[t]`, codes as floats); table t
/// `[levels[t], dims[t]]` in the arena; y `[rows, outputWidth]` = the numeric columns of x in
/// order, then table 0's row for its code, table 1's, ... A code that is not an integer in
/// `0..<levels[t]` (NaN included) reads the reserved last row, so no input can index outside a table.
///
/// Backward is a scatter-add: d table_t[code] += dy's slice for table t, for every row (a
/// code occurring twice in the batch accumulates both). dx copies dy's numeric slices back to
/// the numeric columns and is 0 at the code columns (a code has no gradient). Nothing is saved.
public final class Embedding: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    let arena: ParameterArena
    let shape: EmbeddingShape
    /// Input column of each output numeric column.
    let numeric: [Int]
    /// Arena offset of each table, and where its slice of y starts.
    let tableOffsets: [Int], outputOffsets: [Int]

    /// The layer over `arena`, which must hold `shape.parameterSpecs` contiguously in order.
    /// Throws a `ModelError` when a table is missing or mis-shaped.
    public init(shape: EmbeddingShape, arena: ParameterArena) throws {
        try shape.validate()
        var offsets: [Int] = []
        for (t, spec) in shape.parameterSpecs.prefix(shape.columns.count).enumerated() {
            guard let slot = arena.slot(named: spec.name), slot.shape == spec.shape else {
                throw ModelError(.missingParameter(name: spec.name, shape: spec.shape))
            }
            if t > 0, slot.offset != offsets[t - 1] + shape.levels[t - 1] * shape.dims[t - 1] {
                throw ModelError(.notContiguous(.embeddingTables))
            }
            offsets.append(slot.offset)
        }
        self.arena = arena
        self.shape = shape
        numeric = shape.numericColumns
        tableOffsets = offsets
        var start = numeric.count
        var outputs: [Int] = []
        for d in shape.dims {
            outputs.append(start)
            start += d
        }
        outputOffsets = outputs
        inFeatures = shape.inputs
        outFeatures = shape.tablesOutputWidth
    }

    /// The arena elements of every table (contiguous).
    public var parameterRange: Range<Int> {
        guard let first = tableOffsets.first else { return 0..<0 }
        return first..<(first + shape.tableParameterCount)
    }

    /// The table row a code reads: the code when it is an integer in 0..<levels, else the
    /// reserved last row.
    @inline(__always)
    static func row(_ code: Float, levels: Int) -> Int {
        guard code >= 0, code < Float(levels), code == code.rounded(.towardZero) else { return levels - 1 }
        return Int(code)
    }

    /// y = [numeric columns of x, table_t[code_t] for each t]: x `[rows, inputs]`, y `[rows, outputWidth]`.
    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) {
        let p = arena.params.base
        let inW = inFeatures, outW = outFeatures
        for r in 0..<rows {
            let xr = x + r * inW, yr = y + r * outW
            for (j, c) in numeric.enumerated() { yr[j] = xr[c] }
            for t in 0..<shape.columns.count {
                let d = shape.dims[t]
                let k = Self.row(xr[shape.columns[t]], levels: shape.levels[t])
                (yr + outputOffsets[t]).update(from: p + tableOffsets[t] + k * d, count: d)
            }
        }
    }

    /// d table_t[code_t] += dy's table-t slice per row; then `gradientsReady`; then dx (if
    /// asked) = dy's numeric slice at the numeric columns, 0 at the codes. dy `[rows, outputWidth]`,
    /// dx `[rows, inputs]`.
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext,
                         gradientsReady: (Range<Int>) -> Void) {
        let g = arena.grads.base
        let inW = inFeatures, outW = outFeatures
        for r in 0..<rows {
            let xr = x + r * inW, dr = dy + r * outW
            for t in 0..<shape.columns.count {
                let d = shape.dims[t]
                let k = Self.row(xr[shape.columns[t]], levels: shape.levels[t])
                let gt = g + tableOffsets[t] + k * d, src = dr + outputOffsets[t]
                for i in 0..<d { gt[i] += src[i] }
            }
        }
        gradientsReady(parameterRange)
        guard let dx else { return }
        dx.update(repeating: 0, count: rows * inW)
        for r in 0..<rows {
            let dxr = dx + r * inW, dr = dy + r * outW
            for (j, c) in numeric.enumerated() { dxr[c] = dr[j] }
        }
    }
}
