import TandemModel
import TandemTensor
import Testing

/// Deterministic pseudo-random test data in `[-scale, scale)`.
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in (rng.nextFloat() * 2 - 1) * scale }
}

/// Runs `layer.forward` on `x` `[rows, inFeatures]`; returns y `[rows, outFeatures]`.
func forward(_ layer: any Layer, _ x: [Float], rows: Int, context: ForwardContext = ForwardContext(training: false)) -> [Float] {
    var saved = [Float](repeating: .nan, count: max(rows * layer.savedFeatures, 1))
    return forward(layer, x, rows: rows, context: context, saved: &saved)
}

/// Runs `layer.forward` keeping its saved floats (`[rows, savedFeatures]`) in `saved`. The
/// model's layers make no MPI calls, so they do not throw here.
func forward(_ layer: any Layer, _ x: [Float], rows: Int, context: ForwardContext, saved: inout [Float]) -> [Float] {
    layer.reserve(rows: rows)
    var y = [Float](repeating: .nan, count: rows * layer.outFeatures)
    x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
            saved.withUnsafeMutableBufferPointer { ps in
                try! layer.forward(px.baseAddress!, py.baseAddress!, saved: ps.baseAddress!, rows: rows, context: context)
            }
        }
    }
    return y
}

/// Runs forward then backward (same context and saved floats) with upstream gradient `dy`;
/// returns (y, dx).
func forwardBackward(_ layer: any Layer, _ x: [Float], dy: [Float], rows: Int,
                     context: ForwardContext = ForwardContext(training: false)) -> (y: [Float], dx: [Float]) {
    var saved = [Float](repeating: .nan, count: max(rows * layer.savedFeatures, 1))
    let y = forward(layer, x, rows: rows, context: context, saved: &saved)
    var dx = [Float](repeating: .nan, count: rows * layer.inFeatures)
    x.withUnsafeBufferPointer { px in
        y.withUnsafeBufferPointer { py in
            dy.withUnsafeBufferPointer { pdy in
                dx.withUnsafeMutableBufferPointer { pdx in
                    saved.withUnsafeBufferPointer { ps in
                        try! layer.backward(x: px.baseAddress!, y: py.baseAddress!, dy: pdy.baseAddress!, dx: pdx.baseAddress!,
                                            saved: ps.baseAddress!, rows: rows, context: context, gradientsReady: { _ in })
                    }
                }
            }
        }
    }
    return (y, dx)
}

/// `sum_i a[i] * b[i]` in Double.
func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Expects `|actual[i] - expected[i]| <= absolute + relative * |expected[i]|` for every element,
/// reporting the worst element (largest excess over its allowance) on failure.
func expectGradientsClose(_ actual: [Float], _ expected: [Float], absolute: Float, relative: Float, _ what: String,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    var worst = -1
    var worstExcess: Float = 0
    for i in actual.indices {
        let excess = abs(actual[i] - expected[i]) - (absolute + relative * abs(expected[i]))
        if !(excess <= 0) && (worst < 0 || !(excess <= worstExcess)) { worst = i; worstExcess = excess }
    }
    #expect(worst < 0, "\(what): element \(worst): \(worst < 0 ? 0 : actual[worst]) vs \(worst < 0 ? 0 : expected[worst]) (allowed \(absolute) + \(relative) * |expected|)",
            sourceLocation: sourceLocation)
}
