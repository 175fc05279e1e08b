/// A rank's place in the `dp x tp x pp` process grid.
public struct GridCoordinates: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Data-parallel replica.
    public var dp: Int
    /// Position in the tensor-parallel group (which shard of each layer).
    public var tp: Int
    /// Pipeline stage.
    public var pp: Int

    public init(dp: Int, tp: Int, pp: Int) {
        self.dp = dp
        self.tp = tp
        self.pp = pp
    }

    public var description: String { "(dp \(dp), tp \(tp), pp \(pp))" }
}

/// The process grid of DESIGN.md decision 3: `world = dp * tp * pp`, dp derived from the world
/// size, and `rank = tp_rank + tp * (dp_rank + dp * pp_rank)`, so the ranks of a tensor-parallel
/// group are adjacent (on one node when ranks are placed by slot) and a pipeline stage is a
/// contiguous block of `dp * tp` ranks.
public struct ProcessGrid: Equatable, Sendable {
    public let world: Int
    public let dp: Int
    public let tp: Int
    public let pp: Int

    /// The grid for `world` ranks with `tensor`-way tensor and `pipeline`-way pipeline
    /// parallelism. Throws a `ParallelError` when `tensor * pipeline` does not divide `world`,
    /// naming the world sizes that would work.
    public init(world: Int, tensor: Int, pipeline: Int) throws {
        guard tensor >= 1 else { throw ParallelError(.belowOne(key: "parallel.tensor", got: tensor)) }
        guard pipeline >= 1 else { throw ParallelError(.belowOne(key: "parallel.pipeline", got: pipeline)) }
        let group = tensor * pipeline
        guard world >= 1, world % group == 0 else {
            throw ParallelError(.worldNotDivisible(world: world, tensor: tensor, pipeline: pipeline))
        }
        self.world = world
        tp = tensor
        pp = pipeline
        dp = world / group
    }

    /// The coordinates of world rank `rank`.
    public func coordinates(of rank: Int) -> GridCoordinates {
        GridCoordinates(dp: (rank / tp) % dp, tp: rank % tp, pp: rank / (tp * dp))
    }

    /// The world rank at `c`.
    public func rank(at c: GridCoordinates) -> Int { c.tp + tp * (c.dp + dp * c.pp) }

    /// The rank holding the previous pipeline stage of the same (dp, tp) position, if any.
    public func previousStage(of rank: Int) -> Int? {
        var c = coordinates(of: rank)
        guard c.pp > 0 else { return nil }
        c.pp -= 1
        return self.rank(at: c)
    }

    /// The rank holding the next pipeline stage of the same (dp, tp) position, if any.
    public func nextStage(of rank: Int) -> Int? {
        var c = coordinates(of: rank)
        guard c.pp + 1 < pp else { return nil }
        c.pp += 1
        return self.rank(at: c)
    }

    /// Ranks that reduce gradients together: same (tp, pp), every dp.
    public func dataParallelGroup(of rank: Int) -> [Int] {
        let c = coordinates(of: rank)
        return (0..<dp).map { self.rank(at: GridCoordinates(dp: $0, tp: c.tp, pp: c.pp)) }
    }

    /// Ranks that hold the shards of one layer: same (dp, pp), every tp.
    public func tensorParallelGroup(of rank: Int) -> [Int] {
        let c = coordinates(of: rank)
        return (0..<tp).map { self.rank(at: GridCoordinates(dp: c.dp, tp: $0, pp: c.pp)) }
    }

    /// Ranks that together hold one whole model replica: same dp, every (tp, pp).
    public func modelGroup(of rank: Int) -> [Int] {
        let c = coordinates(of: rank)
        return (0..<pp).flatMap { p in (0..<tp).map { self.rank(at: GridCoordinates(dp: c.dp, tp: $0, pp: p)) } }
    }
}

/// Splits `total` items into `parts` contiguous ranges as evenly as possible, the remainder
/// going to the first parts; no item is dropped (a part may be empty when `total < parts`).
public enum EvenSplit {
    /// The range of part `index`.
    public static func range(total: Int, parts: Int, index: Int) -> Range<Int> {
        let base = total / parts
        let extra = total % parts
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }
}
