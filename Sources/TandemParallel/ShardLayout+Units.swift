import TandemModel

extension ShardLayout {
    /// The part of a ResNet (`spec.residual`) that pipeline stage `stage` of `plan` holds, with
    /// no tensor parallelism: the whole tensors of its units (input layer, blocks, head), one
    /// contiguous run of the consolidated arena.
    public init(residual spec: NetworkSpec, plan: StagePlan, stage: Int) {
        widths = spec.widths
        norm = spec.norm
        tp = 1
        tpRank = 0
        self.stage = stage
        layers = []
        let sizes = spec.unitSizes
        let range = plan.stages[stage]
        let first = sizes[..<range.lowerBound].reduce(0, +)
        slotSpecs = range.flatMap { spec.unitParameterSpecs($0) }
        localCount = sizes[range].reduce(0, +)
        fullCount = sizes.reduce(0, +)
        runs = localCount > 0 ? [ShardRun(local: 0, full: first, count: localCount, owned: true)] : []
    }
}
