import TandemModel

/// How tensor parallelism cuts one dense layer.
public enum TensorSplit: String, Sendable {
    /// Not cut (tensor parallelism off).
    case none
    /// Output features split across the tensor-parallel group: W rows, b; input replicated,
    /// output sharded (Megatron-LM's column-parallel linear).
    case column
    /// Input features split: W columns; input sharded, partial outputs summed across the group,
    /// b replicated (row-parallel linear).
    case row
}

/// One dense layer as a rank of the tensor-parallel group holds it.
///
/// Full shapes: W `[outFeatures, inFeatures]`, b `[outFeatures]`. Local: W
/// `[outRange.count, inRange.count]`, b `[outRange.count]`.
public struct LayerShard: Equatable, Sendable {
    /// Index of the dense layer in the whole network (`layers.<layer>.weight`).
    public let layer: Int
    public let split: TensorSplit
    public let inFeatures: Int
    public let outFeatures: Int
    /// Input features this rank reads (all of them unless `split == .row`).
    public let inRange: Range<Int>
    /// Output features this rank produces (all of them unless `split == .column`).
    public let outRange: Range<Int>
    /// The output is all-gathered across the tensor-parallel group, because the layer is
    /// column-parallel and the last of its stage (the next stage, or the loss, needs every feature).
    public let gathersOutput: Bool
}

/// A contiguous run of parameters: `count` elements at `local` in a rank's shard arena are the
/// elements at `full` in the consolidated (single-process) arena.
public struct ShardRun: Equatable, Sendable {
    public let local: Int
    public let full: Int
    public let count: Int
    /// This rank counts these elements in the global gradient norm (replicated elements are
    /// counted by tensor-parallel rank 0 only).
    public let owned: Bool
}

/// The part of a network that one (tensor-parallel rank, pipeline stage) position holds: its
/// dense layers with their cuts, its arena slots, and how they map into the consolidated arena.
///
/// Within a stage, tensor-parallel layers alternate column -> row, so a pair costs one
/// allreduce forward (after the row layer) and one backward (before the column layer's input
/// gradient), the f/g pattern of Megatron-LM. A stage that ends on a column layer gathers its
/// output, so activations between stages and the logits are always whole.
public struct ShardLayout: Equatable, Sendable {
    public let widths: [Int]
    /// Normalization after each hidden dense layer: its tensors follow the layer's W and b, cut
    /// like b when the layer's output is sharded, replicated otherwise.
    public let norm: NormKind
    /// Embeddings (categorical tables, periodic numeric) before dense layer 0: first in the arena,
    /// held whole (replicated) by every tensor-parallel rank of the first stage.
    public let embedding: EmbeddingShape?
    public let tp: Int
    public let tpRank: Int
    public let stage: Int
    /// The dense layers of each model chunk this stage runs (one range without virtual stages).
    public let chunks: [Range<Int>]
    /// The dense layers of every chunk, in chunk order.
    public let layers: [LayerShard]
    /// Name, local shape and weight-decay flag of each local parameter tensor, in order.
    public let slotSpecs: [(name: String, shape: [Int], decays: Bool)]
    public let runs: [ShardRun]
    /// Elements in the consolidated arena.
    public let fullCount: Int
    /// Elements in this shard.
    public let localCount: Int

    public static func == (a: ShardLayout, b: ShardLayout) -> Bool {
        a.widths == b.widths && a.norm == b.norm && a.embedding == b.embedding && a.tp == b.tp && a.tpRank == b.tpRank && a.stage == b.stage && a.layers == b.layers && a.runs == b.runs
    }

    /// The shard of a network of layer `widths` (inputs, hidden..., outputs) at tensor-parallel
    /// rank `tpRank` of `tp`, pipeline stage `stage` of `plan`, with `norm` after each hidden layer
    /// and `embedding` tables before the first.
    public init(widths: [Int], norm: NormKind = .none, embedding: EmbeddingShape? = nil, plan: StagePlan, stage: Int, tp: Int, tpRank: Int) {
        self.widths = widths
        self.norm = norm
        self.embedding = embedding
        self.tp = tp
        self.tpRank = tpRank
        self.stage = stage
        var fullOffsets: [Int] = []   // offset of layers.i.weight in the consolidated arena
        let tables = embedding?.parameterCount ?? 0
        var offset = tables
        let normTensors = norm.tensorNames
        func normalizes(_ i: Int) -> Bool { !normTensors.isEmpty && i < widths.count - 2 }
        for i in 0..<(widths.count - 1) {
            fullOffsets.append(offset)
            offset += widths[i + 1] * widths[i] + widths[i + 1] + (normalizes(i) ? normTensors.count * widths[i + 1] : 0)
        }
        fullCount = offset
        let chunks = plan.chunks(ofStage: stage)
        var layers: [LayerShard] = []
        var specs: [(name: String, shape: [Int], decays: Bool)] = []
        var runs: [ShardRun] = []
        var local = 0
        if let embedding, chunks.contains(where: { $0.contains(0) }) {
            specs += embedding.parameterSpecs
            runs.append(ShardRun(local: 0, full: 0, count: tables, owned: tpRank == 0))
            local = tables
        }
        for range in chunks {
            for (position, i) in range.enumerated() {
                let fanIn = widths[i], fanOut = widths[i + 1]
                let split: TensorSplit = tp == 1 ? .none : position % 2 == 0 ? .column : .row
                let outRange = split == .column ? EvenSplit.range(total: fanOut, parts: tp, index: tpRank) : 0..<fanOut
                let inRange = split == .row ? EvenSplit.range(total: fanIn, parts: tp, index: tpRank) : 0..<fanIn
                let last = i == range.upperBound - 1
                layers.append(LayerShard(layer: i, split: split, inFeatures: fanIn, outFeatures: fanOut, inRange: inRange,
                                         outRange: outRange, gathersOutput: split == .column && last))
                specs.append(("layers.\(i).weight", [outRange.count, inRange.count], true))
                specs.append(("layers.\(i).bias", [outRange.count], false))
                let w = fullOffsets[i], b = w + fanOut * fanIn
                if split == .row {
                    for o in 0..<fanOut {
                        runs.append(ShardRun(local: local, full: w + o * fanIn + inRange.lowerBound, count: inRange.count, owned: true))
                        local += inRange.count
                    }
                    runs.append(ShardRun(local: local, full: b, count: fanOut, owned: tpRank == 0))
                    local += fanOut
                } else {
                    runs.append(ShardRun(local: local, full: w + outRange.lowerBound * fanIn, count: outRange.count * fanIn, owned: true))
                    local += outRange.count * fanIn
                    runs.append(ShardRun(local: local, full: b + outRange.lowerBound, count: outRange.count, owned: true))
                    local += outRange.count
                }
                guard normalizes(i) else { continue }
                // The normalization sees this rank's columns when the output stays sharded, else all
                // of them (replicated, counted in the norm by tensor-parallel rank 0).
                let sharded = split == .column && !last
                let normRange = sharded ? outRange : 0..<fanOut
                for (k, t) in normTensors.enumerated() {
                    specs.append((NetworkSpec.normName(layer: i, t), [normRange.count], false))
                    runs.append(ShardRun(local: local, full: b + fanOut + k * fanOut + normRange.lowerBound, count: normRange.count,
                                         owned: sharded || tpRank == 0))
                    local += normRange.count
                }
            }
        }
        self.layers = layers
        self.chunks = chunks
        slotSpecs = specs
        self.runs = runs.filter { $0.count > 0 }
        localCount = local
    }

    /// Copies this shard's elements out of a consolidated buffer `full` `[fullCount]` into
    /// `local` `[localCount]`.
    public func extract(from full: UnsafePointer<Float>, into local: UnsafeMutablePointer<Float>) {
        for r in runs { (local + r.local).update(from: full + r.full, count: r.count) }
    }

    /// Writes this shard's elements `local` `[localCount]` into their places in `full` `[fullCount]`.
    public func insert(_ local: UnsafePointer<Float>, into full: UnsafeMutablePointer<Float>) {
        for r in runs { (full + r.full).update(from: local + r.local, count: r.count) }
    }

    /// Local ranges counted in the global gradient norm.
    public var ownedRanges: [Range<Int>] { runs.filter(\.owned).map { $0.local..<($0.local + $0.count) } }
}
