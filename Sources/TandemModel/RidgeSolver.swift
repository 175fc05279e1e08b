import CBLAS
import TandemTensor

/// Closed-form least squares / ridge regression for `linear` models with `solver: exact`.
///
/// Minimizes `||X W^T + b - Y||^2 + ridge * ||W||^2` (the bias is not penalized) through the normal
/// equations on the bias-augmented design `[X, 1]`, accumulated in Double. The sums are additive
/// over rows, so data-parallel ranks accumulate their shards and allreduce `sums` before solving.
public struct NormalEquations: Sendable {
    /// Number of input features.
    public let features: Int
    /// Number of regression outputs.
    public let outputs: Int
    /// `[A^T A (d x d), A^T Y (d x outputs)]` flattened, d = features + 1.
    public var sums: [Double]

    public init(features: Int, outputs: Int) {
        self.features = features
        self.outputs = outputs
        let d = features + 1
        sums = [Double](repeating: 0, count: d * d + d * outputs)
    }

    /// Adds rows: x `[rows, features]`, y `[rows, outputs]`.
    public mutating func accumulate(x: UnsafePointer<Float>, y: UnsafePointer<Float>, rows: Int) {
        let d = features + 1
        var a = [Double](repeating: 1, count: d)
        sums.withUnsafeMutableBufferPointer { s in
            for r in 0..<rows {
                for j in 0..<features { a[j] = Double(x[r * features + j]) }
                for i in 0..<d {
                    let ai = a[i]
                    for j in i..<d { s[i * d + j] += ai * a[j] }
                    for o in 0..<outputs { s[d * d + i * outputs + o] += ai * Double(y[r * outputs + o]) }
                }
            }
        }
    }

    /// Solves for `weight` `[outputs, features]` and `bias` `[outputs]` with SVD-based least
    /// squares (LAPACKE_dgelsd), so a singular design (duplicate columns) still gives the
    /// minimum-norm solution. Throws a `ModelError` if LAPACK fails.
    public func solve(ridge: Double) throws -> (weight: [Float], bias: [Float]) {
        let d = features + 1
        var a = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in i..<d { a[i * d + j] = sums[i * d + j]; a[j * d + i] = sums[i * d + j] } }
        for i in 0..<features { a[i * d + i] += ridge }
        var b = Array(sums[(d * d)...])
        var sv = [Double](repeating: 0, count: d)
        var rank: Int32 = 0
        let info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, Int32(d), Int32(d), Int32(outputs), &a, Int32(d), &b,
                                  Int32(outputs), &sv, 1e-12, &rank)
        guard info == 0 else { throw ModelError(.lapackFailed(task: "exact solver", routine: "LAPACKE_dgelsd", info: Int(info))) }
        var weight = [Float](repeating: 0, count: outputs * features)
        var bias = [Float](repeating: 0, count: outputs)
        for o in 0..<outputs {
            for j in 0..<features { weight[o * features + j] = Float(b[j * outputs + o]) }
            bias[o] = Float(b[features * outputs + o])
        }
        return (weight, bias)
    }
}
