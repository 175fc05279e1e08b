import TandemOptim

/// Applies `optimizer` once to `params` with `grads` (both `[optimizer.count]`) at learning rate `lr`.
func step(_ optimizer: Optimizer, _ params: inout [Float], _ grads: [Float], lr: Double) {
    precondition(params.count == optimizer.count && grads.count == optimizer.count)
    params.withUnsafeMutableBufferPointer { p in
        grads.withUnsafeBufferPointer { g in
            optimizer.step(params: p.baseAddress!, grads: g.baseAddress!, lr: lr)
        }
    }
}

/// The `Float` array as `Double`s.
func doubles(_ x: [Float]) -> [Double] { x.map(Double.init) }

/// Largest `|a - b| / max(|b|, floor)` over the elements (relative error with an absolute floor).
func maxRelativeError(_ a: [Float], _ b: [Double], floor: Double = 1e-3) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for i in a.indices { worst = max(worst, abs(Double(a[i]) - b[i]) / max(abs(b[i]), floor)) }
    return worst
}
