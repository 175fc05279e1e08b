import TandemComm
import TandemModel

extension ShardLayout {
    /// The part of a ResNet (`spec.residual`) that pipeline stage `stage` of `plan` holds at
    /// tensor-parallel rank `tpRank` of `tp`: the tensors of its units (input layer, blocks,
    /// head). In each block the first dense layer is column-parallel (W rows and b split by the
    /// inner width) and the second row-parallel (W columns split; b replicated), Megatron-LM's
    /// pair with one allreduce forward and one backward; the residual stream, the norms, the input
    /// layer and the head are replicated (counted in the gradient norm by tensor rank 0).
    public init(residual spec: NetworkSpec, plan: StagePlan, stage: Int, tp: Int = 1, tpRank: Int = 0) {
        widths = spec.widths
        norm = spec.norm
        embedding = spec.embedding
        self.tp = tp
        self.tpRank = tpRank
        self.stage = stage
        layers = []
        let sizes = spec.unitSizes
        chunks = plan.chunks(ofStage: stage)
        var full = 0
        var specs: [(name: String, shape: [Int], decays: Bool)] = []
        var runs: [ShardRun] = []
        var local = 0
        for range in chunks {
            full = sizes[..<range.lowerBound].reduce(0, +)
            for t in range.flatMap({ spec.unitParameterSpecs($0) }) {
                let count = t.shape.reduce(1, *)
                if t.name.hasSuffix(".linear1.weight") || t.name.hasSuffix(".linear1.bias") {
                    let rows = EvenSplit.range(total: t.shape[0], parts: tp, index: tpRank)
                    let rowSize = t.shape.count == 2 ? t.shape[1] : 1
                    specs.append((t.name, [rows.count] + t.shape.dropFirst(), t.decays))
                    runs.append(ShardRun(local: local, full: full + rows.lowerBound * rowSize, count: rows.count * rowSize, owned: true))
                    local += rows.count * rowSize
                } else if t.name.hasSuffix(".linear2.weight") {
                    let (out, inner) = (t.shape[0], t.shape[1])
                    let columns = EvenSplit.range(total: inner, parts: tp, index: tpRank)
                    specs.append((t.name, [out, columns.count], t.decays))
                    for o in 0..<out {
                        runs.append(ShardRun(local: local, full: full + o * inner + columns.lowerBound, count: columns.count, owned: true))
                        local += columns.count
                    }
                } else {
                    specs.append(t)
                    runs.append(ShardRun(local: local, full: full, count: count, owned: tpRank == 0))
                    local += count
                }
                full += count
            }
        }
        slotSpecs = specs
        self.runs = runs.filter { $0.count > 0 }
        localCount = local
        fullCount = sizes.reduce(0, +)
    }

    /// This shard's ResNet layers for `units` (one of its chunks) over `arena` (laid out by
    /// `slotSpecs`): each block's first dense layer a `ColumnParallelDense` and its second a
    /// `RowParallelDense` when tp > 1.
    public func makeResidualLayers(spec: NetworkSpec, units: Range<Int>, arena: ParameterArena, tp: Communicator,
                                   replicas: SumReducer?) throws -> [any Layer] {
        try spec.residualLayers(units, arena: arena, replicas: replicas) { dense, split in
            guard tp.size > 1 else { return dense }
            switch split {
            case .column(let whole):
                return ColumnParallelDense(local: dense, tp: tp, outRange: EvenSplit.range(total: whole, parts: tp.size, index: tp.rank),
                                           outFeatures: whole, gatherOutput: false)
            case .row:
                return RowParallelDense(local: dense, tp: tp)
            }
        }
    }

    /// This shard's layers, one list per chunk (`chunks`), ResNet or MLP as `spec` is.
    public func makeChunkLayers(spec: NetworkSpec, arena: ParameterArena, tp: Communicator, replicas: SumReducer?) throws -> [[any Layer]] {
        try chunks.map { units in
            spec.residual != nil ? try makeResidualLayers(spec: spec, units: units, arena: arena, tp: tp, replicas: replicas)
                : try makeLayers(spec: spec, chunk: units, arena: arena, tp: tp, replicas: replicas)
        }
    }
}
