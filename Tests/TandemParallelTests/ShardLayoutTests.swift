import Testing
import TandemModel
import TandemTensor
@testable import TandemParallel

@Suite struct ShardLayoutTests {
    /// Every consolidated element is held by some shard; owned elements exactly once over the
    /// model group, and extract/insert round-trip.
    @Test func shardsCoverTheWholeArenaOnce() throws {
        for widths in [[13, 17, 5], [13, 17, 9, 3], [4, 1], [7, 3, 2, 5, 1], [64, 33, 10]] {
            for tp in 1...3 {
                for pp in 1...min(3, widths.count - 1) {
                  for v in 1...2 where pp * v <= widths.count - 1 {
                    let plan = try StagePlan(balancing: (0..<(widths.count - 1)).map { widths[$0] * widths[$0 + 1] }, stages: pp, virtualStages: v)
                    var owners = [Int](repeating: 0, count: 0)
                    var rebuilt: [Float] = []
                    var full: [Float] = []
                    for s in 0..<pp {
                        for t in 0..<tp {
                            let layout = ShardLayout(widths: widths, plan: plan, stage: s, tp: tp, tpRank: t)
                            if owners.isEmpty {
                                owners = [Int](repeating: 0, count: layout.fullCount)
                                rebuilt = [Float](repeating: .nan, count: layout.fullCount)
                                full = (0..<layout.fullCount).map { Float($0) }
                            }
                            #expect(layout.localCount == layout.slotSpecs.reduce(0) { $0 + $1.shape.reduce(1, *) })
                            for r in layout.runs where r.owned { for i in r.full..<(r.full + r.count) { owners[i] += 1 } }
                            var local = [Float](repeating: -1, count: layout.localCount)
                            full.withUnsafeBufferPointer { f in local.withUnsafeMutableBufferPointer { l in layout.extract(from: f.baseAddress!, into: l.baseAddress!) } }
                            #expect(!local.contains(-1))
                            local.withUnsafeBufferPointer { l in rebuilt.withUnsafeMutableBufferPointer { f in layout.insert(l.baseAddress!, into: f.baseAddress!) } }
                        }
                    }
                    #expect(owners.allSatisfy { $0 == 1 }, "widths \(widths) tp \(tp) pp \(pp) v \(v)")
                    #expect(rebuilt == full)
                  }
                }
            }
        }
    }

    /// The same for normalization tensors (MLP) and for resnets: every element held, owned ones
    /// exactly once, extract/insert round-trip, local sizes as the slots say.
    @Test(arguments: [NormKind.batch, .layer])
    func normAndResnetShardsCoverTheWholeArenaOnce(_ norm: NormKind) throws {
        // Embedding tables (replicated, on the first stage) in front of an MLP and a resnet.
        let tables = EmbeddingShape(inputs: 13, columns: [2, 7], levels: [5, 3], dims: [4, 2])
        let specs = [NetworkSpec(inputs: 13, hidden: [17, 9], outputs: 3, norm: norm),
                     NetworkSpec(inputs: 7, hidden: [], outputs: 2, norm: norm, residual: ResidualShape(blocks: 3, width: 5, hidden: 11)),
                     NetworkSpec(inputs: 13, hidden: [17, 9], outputs: 3, norm: norm, embedding: tables),
                     NetworkSpec(inputs: 13, hidden: [], outputs: 2, norm: norm, residual: ResidualShape(blocks: 3, width: 5, hidden: 11), embedding: tables)]
        for spec in specs {
            for tp in 1...3 {
                for pp in 1...3 {
                  for v in 1...2 where pp * v <= spec.unitCount {
                    let plan = try StagePlan(balancing: [Int](repeating: 1, count: spec.unitCount), stages: pp, virtualStages: v)
                    let fullCount = spec.parameterCount
                    var owners = [Int](repeating: 0, count: fullCount)
                    var rebuilt = [Float](repeating: .nan, count: fullCount)
                    let full = (0..<fullCount).map { Float($0) }
                    for s in 0..<pp {
                        for t in 0..<tp {
                            let layout = spec.residual == nil
                                ? ShardLayout(widths: spec.widths, norm: norm, embedding: spec.embedding, plan: plan, stage: s, tp: tp, tpRank: t)
                                : ShardLayout(residual: spec, plan: plan, stage: s, tp: tp, tpRank: t)
                            #expect(layout.fullCount == fullCount)
                            if tp == 1 && pp == 1 && v == 1 { #expect(layout.slotSpecs.map(\.name) == spec.parameterSpecs.map(\.name)) }
                            #expect(layout.localCount == layout.slotSpecs.reduce(0) { $0 + $1.shape.reduce(1, *) })
                            for r in layout.runs where r.owned { for i in r.full..<(r.full + r.count) { owners[i] += 1 } }
                            var local = [Float](repeating: -1, count: layout.localCount)
                            full.withUnsafeBufferPointer { f in local.withUnsafeMutableBufferPointer { l in layout.extract(from: f.baseAddress!, into: l.baseAddress!) } }
                            #expect(!local.contains(-1))
                            local.withUnsafeBufferPointer { l in rebuilt.withUnsafeMutableBufferPointer { f in layout.insert(l.baseAddress!, into: f.baseAddress!) } }
                        }
                    }
                    #expect(owners.allSatisfy { $0 == 1 }, "\(spec.residual == nil ? "mlp" : "resnet") \(norm) tp \(tp) pp \(pp) v \(v)")
                    #expect(rebuilt == full)
                  }
                }
            }
        }
    }

    @Test func alternatesColumnAndRowWithinAStage() throws {
        let plan = try StagePlan(explicit: [[0, 1, 2], [3]], layers: 4, stages: 2)
        let first = ShardLayout(widths: [13, 17, 9, 6, 3], plan: plan, stage: 0, tp: 2, tpRank: 1)
        #expect(first.layers.map(\.split) == [.column, .row, .column])
        #expect(first.layers.map(\.gathersOutput) == [false, false, true])
        #expect(first.layers[0].outRange == 9..<17)
        #expect(first.layers[1].inRange == 9..<17)
        #expect(first.layers[1].outRange == 0..<9)
        let second = ShardLayout(widths: [13, 17, 9, 6, 3], plan: plan, stage: 1, tp: 2, tpRank: 1)
        #expect(second.layers.map(\.split) == [.column])
        #expect(second.layers[0].outRange == 2..<3)
        #expect(second.slotSpecs.map(\.name) == ["layers.3.weight", "layers.3.bias"])
        #expect(second.slotSpecs.map(\.shape) == [[1, 6], [1]])
    }
}
