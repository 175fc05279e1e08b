/// Which dense layers each pipeline stage runs: contiguous ranges (model chunks), every layer
/// exactly once. With virtual stages (interleaved 1F1B) there are `pipeline x virtualStages`
/// chunks in model order, and chunk `c` runs on stage `c % pipeline`, so each stage holds
/// `virtualStages` chunks that are not contiguous.
public struct StagePlan: Equatable, Sendable {
    /// `stages[c]` = the dense-layer indices of chunk `c`, ascending (without virtual stages a
    /// chunk is a stage).
    public let stages: [Range<Int>]
    /// Model chunks per pipeline stage.
    public let virtualStages: Int

    /// Pipeline stages.
    public var pipeline: Int { stages.count / virtualStages }

    /// The chunks stage `stage` runs, in model order (local chunk `i` is global chunk
    /// `i * pipeline + stage`).
    public func chunks(ofStage stage: Int) -> [Range<Int>] {
        stride(from: stage, to: stages.count, by: pipeline).map { stages[$0] }
    }

    /// Balanced assignment of `costs.count` layers (e.g. modelled time per layer) to `stages x
    /// virtualStages` chunks: the contiguous partition that minimizes the largest chunk cost
    /// (ties: earlier chunks take fewer layers). Throws when there are more chunks than layers.
    public init(balancing costs: [Int], stages pipeline: Int, virtualStages: Int = 1) throws {
        let n = costs.count
        guard pipeline >= 1 else { throw ParallelError(.belowOne(key: "parallel.pipeline", got: pipeline)) }
        guard virtualStages >= 1 else { throw ParallelError(.belowOne(key: "parallel.virtual_stages", got: virtualStages)) }
        guard pipeline <= n else {
            throw ParallelError(.moreStagesThanLayers(stages: pipeline, layers: n))
        }
        let count = pipeline * virtualStages
        guard count <= n else {
            throw ParallelError(.moreChunksThanLayers(pipeline: pipeline, virtualStages: virtualStages, layers: n))
        }
        self.virtualStages = virtualStages
        // best[k][i]: the smallest possible largest-stage cost of layers 0..<i on k stages.
        var prefix = [0]
        for c in costs { prefix.append(prefix[prefix.count - 1] + c) }
        let inf = Int.max
        var best = [[Int]](repeating: [Int](repeating: inf, count: n + 1), count: count + 1)
        var cut = [[Int]](repeating: [Int](repeating: 0, count: n + 1), count: count + 1)
        best[0][0] = 0
        for k in 1...count {
            for i in k...n {
                for j in (k - 1)..<i where best[k - 1][j] != inf {
                    let cost = max(best[k - 1][j], prefix[i] - prefix[j])
                    if cost < best[k][i] { best[k][i] = cost; cut[k][i] = j }
                }
            }
        }
        var ranges: [Range<Int>] = []
        var end = n
        for k in stride(from: count, through: 1, by: -1) {
            let start = cut[k][end]
            ranges.append(start..<end)
            end = start
        }
        stages = ranges.reversed()
    }

    /// An explicit assignment (`parallel.stages: [[0, 1], [2, 3]]`) of `layers` dense layers to
    /// `stages x virtualStages` chunks, checked: one list per chunk, each non-empty and
    /// consecutive, and together every layer exactly once, in order.
    public init(explicit lists: [[Int]], layers: Int, stages pipeline: Int, virtualStages: Int = 1) throws {
        guard lists.count == pipeline * virtualStages else {
            throw ParallelError(.stageCountMismatch(listed: lists.count, pipeline: pipeline, virtualStages: virtualStages))
        }
        self.virtualStages = virtualStages
        var next = 0
        var ranges: [Range<Int>] = []
        for (s, list) in lists.enumerated() {
            guard let first = list.first else { throw ParallelError(.emptyStage(stage: s)) }
            guard first == next else {
                throw ParallelError(.outOfOrder(stage: s, first: first, expected: next, layers: layers))
            }
            for (a, b) in zip(list, list.dropFirst()) where b != a + 1 {
                throw ParallelError(.notConsecutive(stage: s, before: a, after: b))
            }
            next = first + list.count
            guard next <= layers else {
                throw ParallelError(.layerOutOfRange(stage: s, layer: next - 1, layers: layers))
            }
            ranges.append(first..<next)
        }
        guard next == layers else { throw ParallelError(.unassigned(from: next, layers: layers)) }
        stages = ranges
    }

    /// The stage that runs dense layer `layer`.
    public func stage(of layer: Int) -> Int? { stages.firstIndex { $0.contains(layer) }.map { $0 % pipeline } }

    /// "0-1 | 2-3" style description.
    public var description: String {
        stages.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound - 1)" }.joined(separator: " | ")
    }
}
