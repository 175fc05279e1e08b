import TandemComm
import TandemModel

extension ShardLayout {
    /// This shard's layers over `arena` (laid out by `slotSpecs`): the layer sequence of
    /// `spec.layers` for the stage's dense layers, each dense layer as its split makes it
    /// (`Dense` whole, `ColumnParallelDense`, `RowParallelDense`), each normalization on the
    /// features its dense layer leaves on this rank. With tp = pp = 1 these are exactly the whole
    /// model's layers (`Network`). `replicas` sums batch statistics over the data-parallel
    /// replicas (nil with one); layer normalization of a sharded output sums row statistics over `tp`.
    public func makeLayers(spec: NetworkSpec, arena: ParameterArena, tp: Communicator, replicas: SumReducer? = nil) throws -> [any Layer] {
        let first = layers.first?.layer ?? 0
        return try makeLayers(spec: spec, chunk: first..<(first + layers.count), arena: arena, tp: tp, replicas: replicas)
    }

    /// The layers of one of this shard's chunks (`chunk`: its dense layers), as `makeLayers`.
    public func makeLayers(spec: NetworkSpec, chunk: Range<Int>, arena: ParameterArena, tp: Communicator, replicas: SumReducer? = nil) throws -> [any Layer] {
        let shards = Dictionary(uniqueKeysWithValues: layers.map { ($0.layer, $0) })
        return try spec.layers(chunk, arena: arena, dense: { i in
            guard let shard = shards[i], let w = arena.slot(named: "layers.\(i).weight"), let b = arena.slot(named: "layers.\(i).bias") else {
                throw ModelError(.layerWithoutParameters(layer: i, inShard: true))
            }
            let local = Dense(arena: arena, weight: w, bias: b)
            switch shard.split {
            case .none: return local
            case .column: return ColumnParallelDense(local: local, tp: tp, outRange: shard.outRange, outFeatures: shard.outFeatures,
                                                     gatherOutput: shard.gathersOutput)
            case .row: return RowParallelDense(local: local, tp: tp)
            }
        }, normalization: { i, d in
            try spec.normalizationLayer(i, arena: arena, columns: d.outputColumns, wholeFeatures: shards[i]?.outFeatures ?? d.outFeatures,
                                        replicas: replicas, shards: { p, n in try tp.allreduceSum(p, count: n) })
        })
    }
}
