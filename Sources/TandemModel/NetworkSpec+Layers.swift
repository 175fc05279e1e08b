extension NetworkSpec {
    /// The layer sequence of dense layers `range` of this spec: each dense layer as `dense(i)`
    /// makes it (whole, or a tensor-parallel shard), then, after every dense layer but the
    /// network's last, the normalization (with `norm`, as `normalization(i, dense)` makes it),
    /// the activation and (with `dropout > 0`) dropout on the features that layer outputs; with
    /// `embedding`, the `Embedding` layer over `arena`'s tables before dense layer 0 (whole on
    /// every tensor-parallel rank: its tables are replicated). The one definition of a model's
    /// layers, used by every layout; a new layer kind is added here.
    public func layers(_ range: Range<Int>, arena: ParameterArena, dense: (Int) throws -> any Layer,
                       normalization: (Int, any Layer) throws -> any Layer) throws -> [any Layer] {
        var out: [any Layer] = range.contains(0) ? try embeddingLayers(arena: arena) : []
        for i in range {
            let d = try dense(i)
            out.append(d)
            guard i < widths.count - 2 else { continue }
            if normalizes(layer: i) { out.append(try normalization(i, d)) }
            out.append(ActivationLayer(activation, features: d.outFeatures, columns: d.outputColumns))
            if dropout > 0 {
                out.append(Dropout(rate: Float(dropout), features: d.outFeatures, columns: d.outputColumns, layerIndex: i))
            }
        }
        return out
    }

    /// The `Embedding` layer over `arena`'s tables (when there are tables) and the
    /// `PeriodicEmbedding` of the numeric features (with `embedding.periodic`); none without `embedding`.
    public func embeddingLayers(arena: ParameterArena) throws -> [any Layer] {
        guard let e = embedding else { return [] }
        var out: [any Layer] = e.columns.isEmpty ? [] : [try Embedding(shape: e, arena: arena)]
        if let p = e.periodic { out.append(try PeriodicEmbedding(shape: p, inputs: e.tablesOutputWidth, arena: arena)) }
        return out
    }

    /// The normalization after dense layer `i` over `arena` (which holds its tensors by name):
    /// on the features `columns` of the layer's `wholeFeatures`; `replicas` sums batch statistics
    /// over the data-parallel replicas, `shards` row statistics over the tensor-parallel group
    /// (nil: this rank holds them all). Throws a `ModelError` when a tensor is missing.
    public func normalizationLayer(_ i: Int, arena: ParameterArena, columns: Range<Int>, wholeFeatures: Int,
                                   replicas: SumReducer?, shards: SumReducer?) throws -> any Layer {
        func slot(_ t: String) throws -> ParameterSlot {
            guard let s = arena.slot(named: Self.normName(layer: i, t)) else { throw ModelError(.missingParameter(name: Self.normName(layer: i, t), shape: nil)) }
            return s
        }
        switch norm {
        case .batch:
            return BatchNorm(arena: arena, weight: try slot("weight"), bias: try slot("bias"), runningMean: try slot("running_mean"),
                             runningVar: try slot("running_var"), columns: columns, replicas: replicas)
        case .layer:
            return LayerNorm(arena: arena, weight: try slot("weight"), bias: try slot("bias"), columns: columns,
                             wholeFeatures: wholeFeatures, shards: columns.count == wholeFeatures ? nil : shards)
        case .none:
            throw ModelError(.noNormalization(layer: i))
        }
    }
}
