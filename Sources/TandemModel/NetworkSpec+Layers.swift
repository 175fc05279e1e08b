extension NetworkSpec {
    /// The layer sequence of dense layers `range` of this spec: each dense layer as `dense(i)`
    /// makes it (whole, or a tensor-parallel shard), then, after every dense layer but the
    /// network's last, the activation and (with `dropout > 0`) dropout on the features that
    /// layer outputs. The one definition of a model's layers, used by every layout; a new layer
    /// kind is added here.
    public func layers(_ range: Range<Int>, dense: (Int) throws -> any Layer) rethrows -> [any Layer] {
        var out: [any Layer] = []
        for i in range {
            let d = try dense(i)
            out.append(d)
            guard i < widths.count - 2 else { continue }
            out.append(ActivationLayer(activation, features: d.outFeatures, columns: d.outputColumns))
            if dropout > 0 {
                out.append(Dropout(rate: Float(dropout), features: d.outFeatures, columns: d.outputColumns, layerIndex: i))
            }
        }
        return out
    }
}
