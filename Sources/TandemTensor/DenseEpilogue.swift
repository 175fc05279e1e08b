import CKernels

/// A dense layer's elementwise work around its matrix products, one vectorized C pass each
/// (`Sources/CKernels/dense_epilogue.c`, AVX-512, AVX2 or plain C chosen at run time): the bias
/// and ReLU after the forward product, ReLU's derivative and the bias gradient before the
/// backward products. Each gives the bits of the Swift loops it replaces (`Elementwise.addBias`
/// then `Activation.relu`; `Activation.reluBackward` then `Elementwise.addColumnSums`), which the
/// tests compare it with.
public enum DenseEpilogue {
    /// `y += bias` row by row, and with `relu` also `relu = max(y, 0)` (Swift's `max`).
    /// y, relu: `[rows, cols]`; bias: `[cols]`.
    @inline(__always)
    public static func addBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                               relu: UnsafeMutablePointer<Float>? = nil, rows: Int, cols: Int) {
        tandem_add_bias(y, bias, relu, rows, cols)
    }

    /// `db += column sums of d`, where `d = dy`, or with `reluInput` `d = reluInput > 0 ? dy : 0`;
    /// writes `dx = d` unless `dx` is nil (it may alias `dy`). reluInput, dy, dx: `[rows, cols]`;
    /// db: `[cols]`.
    @inline(__always)
    public static func biasGradient(reluInput: UnsafePointer<Float>?, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                                    db: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        tandem_bias_gradient(reluInput, dy, dx, db, rows, cols)
    }
}
