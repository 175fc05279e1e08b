import TandemComm
import TandemModel

extension ShardLayout {
    /// This shard's layers over `arena` (laid out by `slotSpecs`): the layer sequence of
    /// `spec.layers` for the stage's dense layers, each dense layer as its split makes it
    /// (`Dense` whole, `ColumnParallelDense`, `RowParallelDense`). With tp = pp = 1 these are
    /// exactly the whole model's layers (`Network`).
    public func makeLayers(spec: NetworkSpec, arena: ParameterArena, tp: Communicator) -> [any Layer] {
        let first = layers.first?.layer ?? 0
        return spec.layers(first..<(first + layers.count)) { i in
            let j = i - first, shard = layers[j]
            let local = Dense(arena: arena, weight: arena.slots[2 * j], bias: arena.slots[2 * j + 1])
            switch shard.split {
            case .none: return local
            case .column: return ColumnParallelDense(local: local, tp: tp, outRange: shard.outRange, outFeatures: shard.outFeatures,
                                                     gatherOutput: shard.gathersOutput)
            case .row: return RowParallelDense(local: local, tp: tp)
            }
        }
    }
}
