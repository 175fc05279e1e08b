import Foundation
import TandemTensor

/// Periodic embeddings of numeric features (`PeriodicShape`, Gorishniy et al. 2022 "PLR").
///
/// Shapes: x `[rows, inFeatures]`; y `[rows, outFeatures]` = for each numeric column j (in
/// order) its `width` features ReLU(W_j s + b_j), s = [sin(v), cos(v)] `[2k]`, v = (x_j c_j) 2 pi
/// `[k]` (in float32, in this order, as the ONNX graph computes it), then the other columns of x
/// in order. Parameters c `[F, k]`, W `[F, d, 2k]`, b `[F, d]`. Backward recomputes v and s from
/// x (nothing is saved): with g = dy_j * (h > 0), dW_j += g s^T, db_j += g, ds = W_j^T g,
/// dv = ds_sin cos(v) - ds_cos sin(v), dc_j += dv x_j 2 pi, dx_j = sum(dv c_j) 2 pi; the other
/// columns pass dy through.
public final class PeriodicEmbedding: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    let arena: ParameterArena
    let shape: PeriodicShape
    let frequencyOffset: Int, weightOffset: Int, biasOffset: Int
    /// The input columns passed through, in order.
    let others: [Int]
    /// 2 pi in float32 (the ONNX graph uses the same constant).
    public static let twoPi = Float(2 * Double.pi)

    /// The layer over `arena` (holding `shape.parameterSpecs` by name) for inputs of `inputs` columns.
    public init(shape: PeriodicShape, inputs: Int, arena: ParameterArena) throws {
        try shape.validate(inputs: inputs)
        var offsets: [Int] = []
        for spec in shape.parameterSpecs {
            guard let slot = arena.slot(named: spec.name), slot.shape == spec.shape else {
                throw ModelError(.missingParameter(name: spec.name, shape: spec.shape))
            }
            offsets.append(slot.offset)
        }
        guard offsets[1] == offsets[0] + shape.columns.count * shape.frequencies,
              offsets[2] == offsets[1] + shape.columns.count * shape.width * 2 * shape.frequencies else {
            throw ModelError(.notContiguous(.numericEmbedding))
        }
        self.arena = arena
        self.shape = shape
        (frequencyOffset, weightOffset, biasOffset) = (offsets[0], offsets[1], offsets[2])
        let numeric = Set(shape.columns)
        others = (0..<inputs).filter { !numeric.contains($0) }
        inFeatures = inputs
        outFeatures = shape.outputWidth(inputs: inputs)
    }

    public var parameterRange: Range<Int> { frequencyOffset..<(frequencyOffset + shape.parameterCount) }

    /// s = [sin(v), cos(v)] `[2k]` of value `x` with frequencies `c` `[k]`.
    @inline(__always)
    func periodic(_ x: Float, _ c: UnsafePointer<Float>, into s: UnsafeMutablePointer<Float>) {
        let k = shape.frequencies
        for i in 0..<k {
            let v = (x * c[i]) * Self.twoPi
            s[i] = sinf(v)
            s[k + i] = cosf(v)
        }
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) {
        let p = arena.params.base
        let k = shape.frequencies, d = shape.width, f = shape.columns.count
        let s = UnsafeMutablePointer<Float>.allocate(capacity: 2 * k)
        defer { s.deallocate() }
        for r in 0..<rows {
            let xr = x + r * inFeatures, yr = y + r * outFeatures
            for (j, column) in shape.columns.enumerated() {
                periodic(xr[column], p + frequencyOffset + j * k, into: s)
                let w = p + weightOffset + j * d * 2 * k, b = p + biasOffset + j * d
                for o in 0..<d {
                    var h = b[o]
                    let wo = w + o * 2 * k
                    for i in 0..<(2 * k) { h += wo[i] * s[i] }
                    yr[j * d + o] = max(h, 0)
                }
            }
            for (m, c) in others.enumerated() { yr[f * d + m] = xr[c] }
        }
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext,
                         gradientsReady: (Range<Int>) -> Void) {
        let p = arena.params.base, g = arena.grads.base
        let k = shape.frequencies, d = shape.width, f = shape.columns.count
        let s = UnsafeMutablePointer<Float>.allocate(capacity: 2 * k)
        let ds = UnsafeMutablePointer<Float>.allocate(capacity: 2 * k)
        defer { s.deallocate(); ds.deallocate() }
        dx?.update(repeating: 0, count: rows * inFeatures)
        for r in 0..<rows {
            let xr = x + r * inFeatures, yr = y + r * outFeatures, dr = dy + r * outFeatures
            for (j, column) in shape.columns.enumerated() {
                let c = p + frequencyOffset + j * k
                let xv = xr[column]
                periodic(xv, c, into: s)
                ds.update(repeating: 0, count: 2 * k)
                let w = p + weightOffset + j * d * 2 * k
                let gw = g + weightOffset + j * d * 2 * k, gb = g + biasOffset + j * d
                for o in 0..<d where yr[j * d + o] > 0 {
                    let go = dr[j * d + o]
                    gb[o] += go
                    let wo = w + o * 2 * k, gwo = gw + o * 2 * k
                    for i in 0..<(2 * k) {
                        gwo[i] += go * s[i]
                        ds[i] += wo[i] * go
                    }
                }
                let gc = g + frequencyOffset + j * k
                var dxj: Float = 0
                for i in 0..<k {
                    let dv = ds[i] * s[k + i] - ds[k + i] * s[i]
                    gc[i] += dv * xv * Self.twoPi
                    dxj += dv * c[i]
                }
                dx?[r * inFeatures + column] = dxj * Self.twoPi
            }
            if let dx { for (m, c) in others.enumerated() { dx[r * inFeatures + c] = dr[f * d + m] } }
        }
        gradientsReady(parameterRange)
    }
}
