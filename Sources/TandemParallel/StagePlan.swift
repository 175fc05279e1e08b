/// Which dense layers each pipeline stage runs: contiguous ranges, every layer exactly once.
public struct StagePlan: Equatable, Sendable {
    /// `stages[s]` = the dense-layer indices of stage `s`, ascending.
    public let stages: [Range<Int>]

    /// Balanced assignment of `costs.count` layers (e.g. parameter counts) to `stages` stages:
    /// the contiguous partition that minimizes the largest stage cost (ties: earlier stages take
    /// fewer layers). Throws when there are more stages than layers.
    public init(balancing costs: [Int], stages count: Int) throws {
        let n = costs.count
        guard count >= 1 else { throw ParallelError("parallel.pipeline must be at least 1 (got \(count))") }
        guard count <= n else {
            throw ParallelError("parallel.pipeline \(count) is more stages than the model's \(n) dense layer\(n == 1 ? "" : "s"); every stage needs at least one layer (use parallel.pipeline <= \(n), or add hidden layers)")
        }
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
    /// `count` stages, checked: one list per stage, each non-empty and consecutive, and together
    /// every layer exactly once, in order.
    public init(explicit lists: [[Int]], layers: Int, stages count: Int) throws {
        guard lists.count == count else {
            throw ParallelError("parallel.stages lists \(lists.count) stage\(lists.count == 1 ? "" : "s") but parallel.pipeline is \(count)")
        }
        var next = 0
        var ranges: [Range<Int>] = []
        for (s, list) in lists.enumerated() {
            guard let first = list.first else { throw ParallelError("parallel.stages: stage \(s) has no layers") }
            guard first == next else {
                let problem = first < next ? "layer \(first) is assigned twice" : "layer \(next) is not assigned to any stage"
                throw ParallelError("parallel.stages: \(problem) (stage \(s) starts at layer \(first); stages must cover layers 0..\(layers - 1) in order, each exactly once)")
            }
            for (a, b) in zip(list, list.dropFirst()) where b != a + 1 {
                throw ParallelError("parallel.stages: stage \(s) lists layers \(a) then \(b); a stage holds consecutive layers")
            }
            next = first + list.count
            guard next <= layers else {
                throw ParallelError("parallel.stages: stage \(s) names layer \(next - 1) but the model has \(layers) dense layers (0..\(layers - 1))")
            }
            ranges.append(first..<next)
        }
        guard next == layers else { throw ParallelError("parallel.stages: layers \(next)..\(layers - 1) are not assigned to any stage") }
        stages = ranges
    }

    /// The stage that runs dense layer `layer`.
    public func stage(of layer: Int) -> Int? { stages.firstIndex { $0.contains(layer) } }

    /// "0-1 | 2-3" style description.
    public var description: String {
        stages.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound - 1)" }.joined(separator: " | ")
    }
}
