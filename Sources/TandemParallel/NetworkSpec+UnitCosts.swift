import TandemModel

extension NetworkSpec {
    /// Multiply-adds per element of a vectorized per-feature pass (bias, activation, norm,
    /// dropout, forward and backward together) relative to one GEMM multiply-add: such passes
    /// run at memory speed, roughly 1/16 of the GEMM rate on the machines measured.
    static let elementwiseWeight = 16

    /// The modelled time of each pipeline unit (`unitCount`: an MLP's dense layers, a ResNet's
    /// input layer, blocks and head) for one row's forward and backward, in GEMM multiply-adds:
    /// a dense layer of W `[out, in]` costs `in x out` forward and as much again for each of
    /// d W and d x, except that the model's first dense layer computes no d x (the input needs
    /// no gradient), so it costs 2/3 of a same-sized layer later on; per-feature work (biases,
    /// norms, activations) adds `elementwiseWeight` per feature; embedding lookups cost their
    /// output width. The stage planner balances these (a parameter count misses the 2/3).
    public var unitCosts: [Int] {
        let tables = Set((embedding?.parameterSpecs ?? []).map(\.name))
        return (0..<unitCount).map { u in
            var cost = u == 0 ? Self.elementwiseWeight * (embedding?.outputWidth ?? 0) : 0
            var firstMatrix = u == 0
            for t in unitParameterSpecs(u) where !tables.contains(t.name) {
                let count = t.shape.reduce(1, *)
                if t.shape.count == 2 {
                    cost += count * (firstMatrix ? 2 : 3)
                    firstMatrix = false
                } else {
                    cost += Self.elementwiseWeight * count
                }
            }
            return cost
        }
    }
}
