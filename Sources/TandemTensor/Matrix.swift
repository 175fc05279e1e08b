/// A dense row-major `Float` matrix with value semantics: element (r, c) is `values[r * cols + c]`.
///
/// Used for datasets, predictions and anything that crosses an API boundary; hot loops take
/// pointers into `FloatBuffer`s instead.
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public var rows: Int
    /// Number of columns.
    public var cols: Int
    /// `rows * cols` elements, row-major.
    public var values: [Float]

    /// A `rows x cols` matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        values = Array(repeating: value, count: rows * cols)
    }

    /// A `rows x cols` matrix over `values` (row-major); `values.count` must be `rows * cols`.
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "Matrix: \(values.count) values for \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// Element at row `r`, column `c`.
    @inlinable public subscript(r: Int, c: Int) -> Float {
        get { values[r * cols + c] }
        set { values[r * cols + c] = newValue }
    }

    /// Row `r` as an array.
    public func row(_ r: Int) -> [Float] { Array(values[(r * cols)..<((r + 1) * cols)]) }

    /// The rows at `indices`, in that order: `[indices.count, cols]`.
    public func gathering(rows indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for (i, r) in indices.enumerated() {
                    for c in 0..<cols { dst[i * cols + c] = src[r * cols + c] }
                }
            }
        }
        return out
    }

    /// The transpose, `[cols, rows]`.
    public var transposed: Matrix {
        var out = Matrix(rows: cols, cols: rows)
        for r in 0..<rows { for c in 0..<cols { out.values[c * rows + r] = values[r * cols + c] } }
        return out
    }
}
