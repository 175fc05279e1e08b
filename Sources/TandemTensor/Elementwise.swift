/// Row-broadcast and reduction kernels on row-major `[rows, cols]` buffers.
public enum Elementwise {
    /// `y[r, c] += bias[c]`. y: `[rows, cols]`, bias: `[cols]`.
    @inlinable
    public static func addBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = y + r * cols
            for c in 0..<cols { row[c] += bias[c] }
        }
    }

    /// `out[c] += sum_r x[r, c]` (column sums, accumulated). x: `[rows, cols]`, out: `[cols]`.
    @inlinable
    public static func addColumnSums(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { out[c] += row[c] }
        }
    }

    /// Sum of squares of `count` elements, accumulated in Double.
    @inlinable
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var acc = SIMD8<Float>()
        var total = 0.0
        var i = 0
        // Accumulate blocks in Float SIMD lanes, flushing to Double every 4096 elements.
        while i + 8 <= count {
            let end = min(count, i + 4096) & ~7
            while i + 8 <= end {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                acc += v * v
                i += 8
            }
            total += Double(acc.sum())
            acc = SIMD8<Float>()
        }
        while i < count { total += Double(x[i]) * Double(x[i]); i += 1 }
        if total.isInfinite {
            // A Float lane overflowed (elements beyond ~1e19); redo it in Double.
            total = 0
            for j in 0..<count { total += Double(x[j]) * Double(x[j]) }
        }
        return total
    }

    /// `x[i] *= s` for `count` elements.
    @inlinable
    public static func scale(_ x: UnsafeMutablePointer<Float>, by s: Float, count: Int) {
        for i in 0..<count { x[i] *= s }
    }

    /// True when every one of `count` elements is finite.
    @inlinable
    public static func allFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
        for i in 0..<count where !x[i].isFinite { return false }
        return true
    }
}
