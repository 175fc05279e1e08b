import TandemMetrics
import TandemTensor

/// The hyperparameters of a sweep: config key paths (`train.optimizer.lr`) with how each is
/// chosen, in the order the sweep config lists them.
public struct SearchSpace: Equatable, Sendable {
    /// `(key path, spec)` in config order.
    public var params: [(key: String, spec: ParamSpec)]

    public init(_ params: [(key: String, spec: ParamSpec)]) { self.params = params }

    public static func == (a: SearchSpace, b: SearchSpace) -> Bool {
        a.params.count == b.params.count && zip(a.params, b.params).allSatisfy { $0.key == $1.key && $0.spec == $1.spec }
    }

    /// The most points a sweep may hold (a guard against `int: [0, 100000000]` under grid).
    public static let maxPoints = 100_000

    /// The cross product of `values` per key (first key varies slowest), in order.
    static func crossProduct(_ keys: [(key: String, values: [JSONValue])]) -> [[(String, JSONValue)]] {
        keys.reduce([[]]) { points, k in points.flatMap { p in k.values.map { p + [(k.key, $0)] } } }
    }

    /// Every point of the grid strategy: the cross product of all keys, each enumerated
    /// (`grid`, `choice`, `int`); throws naming a key that cannot be enumerated.
    public func gridPoints() throws -> [[(String, JSONValue)]] {
        var keys: [(key: String, values: [JSONValue])] = []
        var total = 1
        for (key, spec) in params {
            if case .int(let lo, let hi) = spec, hi - lo >= SearchSpace.maxPoints {
                throw SweepError(.invalidConfig(place: "search.params.\(key)", problem: "int [\(lo), \(hi)] has more than \(SearchSpace.maxPoints) values, too many for strategy grid; use strategy random"))
            }
            guard let values = spec.enumerated else {
                throw SweepError(.invalidConfig(place: "search.params.\(key)", problem: "strategy grid cannot enumerate a continuous range; use grid, choice or int, or strategy random"))
            }
            total *= values.count
            guard total <= SearchSpace.maxPoints else { throw SweepError(.invalidConfig(place: "search.params", problem: "the grid has more than \(SearchSpace.maxPoints) points")) }
            keys.append((key, values))
        }
        return SearchSpace.crossProduct(keys)
    }

    /// `samples` draws for random search and ASHA, each crossed with every point of the `grid`
    /// keys: `samples x gridPoints` trials, sample-major. Draw `i` depends only on `seed` and `i`,
    /// so the same seed gives the same trials. Values keep the keys' config order.
    public func sampledPoints(samples: Int, seed: UInt64) throws -> [[(String, JSONValue)]] {
        let gridKeys = params.filter { $0.spec.isGrid }.compactMap { p in p.spec.enumerated.map { (key: p.key, values: $0) } }
        let grid = SearchSpace.crossProduct(gridKeys)
        guard samples * grid.count <= SearchSpace.maxPoints else {
            throw SweepError(.invalidConfig(place: "search", problem: "\(samples) trials x \(grid.count) grid points exceed \(SearchSpace.maxPoints) trials"))
        }
        let root = RandomGenerator(seed: seed)
        var out: [[(String, JSONValue)]] = []
        for i in 0..<samples {
            var rng = root.split(UInt64(i))
            var drawn: [String: JSONValue] = [:]
            for (key, spec) in params where !spec.isGrid { drawn[key] = spec.sample(&rng) }
            for g in grid {
                let fixed = Dictionary(g, uniquingKeysWith: { a, _ in a })
                out.append(params.compactMap { p in (fixed[p.key] ?? drawn[p.key]).map { (p.key, $0) } })
            }
        }
        return out
    }
}
