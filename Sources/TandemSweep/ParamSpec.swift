import Foundation
import TandemMetrics
import TandemTensor
import Yams

/// How one hyperparameter is chosen: enumerated (`grid`, `choice`, `int` under the grid
/// strategy) or drawn from a distribution (`choice`, `uniform`, `loguniform`, `int`, `quniform`).
public enum ParamSpec: Equatable, Sendable {
    /// Every value, as a cross product with the other grid keys.
    case grid([JSONValue])
    /// One of the values, uniformly (enumerated under the grid strategy).
    case choice([JSONValue])
    /// A real in [low, high].
    case uniform(Double, Double)
    /// A real in [low, high] with a uniform logarithm (0 < low < high).
    case loguniform(Double, Double)
    /// An integer in [low, high], inclusive.
    case int(Int, Int)
    /// A real in [low, high] rounded to a multiple of `step`.
    case quniform(Double, Double, step: Double)

    /// The spec names a sweep config accepts.
    public static let kinds = ["grid", "choice", "uniform", "loguniform", "int", "quniform"]

    /// Parses `{kind: arguments}`; `key` and `where` name the parameter in errors.
    public init(node: Node, key: String, where location: String) throws {
        let place = "\(location)\(node.mark.map { ":\($0.line)" } ?? ""): search.params.\(key)"
        guard let m = node.mapping, m.count == 1, let entry = m.first, let kind = entry.key.string else {
            throw SweepError(.invalidConfig(place: place, problem: "expected one of {\(ParamSpec.kinds.joined(separator: ", "))}: ARGUMENTS}, e.g. {loguniform: [0.0001, 0.1]}"))
        }
        guard let items = entry.value.sequence.map(Array.init) else {
            throw SweepError(.invalidConfig(place: place, problem: "\(kind) needs a list, e.g. \(kind): [...]"))
        }
        func numbers(_ count: Int, _ shape: String) throws -> [Double] {
            let xs = items.compactMap { $0.float }
            guard items.count == count, xs.count == count, xs.allSatisfy(\.isFinite) else {
                throw SweepError(.invalidConfig(place: place, problem: "\(kind) needs \(shape) (numbers); got \(JSONValue(yaml: entry.value).rendered)"))
            }
            return xs
        }
        switch kind {
        case "grid", "choice":
            guard !items.isEmpty else { throw SweepError(.invalidConfig(place: place, problem: "\(kind) needs at least one value")) }
            let values = items.map { JSONValue(yaml: $0) }
            self = kind == "grid" ? .grid(values) : .choice(values)
        case "uniform":
            let x = try numbers(2, "[low, high] with low <= high")
            guard x[0] <= x[1] else { throw SweepError(.invalidConfig(place: place, problem: "uniform needs low <= high; got [\(x[0]), \(x[1])]")) }
            self = .uniform(x[0], x[1])
        case "loguniform":
            let x = try numbers(2, "[low, high] with 0 < low <= high")
            guard x[0] > 0, x[0] <= x[1] else { throw SweepError(.invalidConfig(place: place, problem: "loguniform needs 0 < low <= high; got [\(x[0]), \(x[1])]")) }
            self = .loguniform(x[0], x[1])
        case "int":
            let x = items.compactMap { $0.int }
            guard items.count == 2, x.count == 2, x[0] <= x[1] else {
                throw SweepError(.invalidConfig(place: place, problem: "int needs [low, high] (integers, low <= high, both included); got \(JSONValue(yaml: entry.value).rendered)"))
            }
            self = .int(x[0], x[1])
        case "quniform":
            let x = try numbers(3, "[low, high, step] with low <= high and step > 0")
            guard x[0] <= x[1], x[2] > 0 else { throw SweepError(.invalidConfig(place: place, problem: "quniform needs low <= high and step > 0; got [\(x[0]), \(x[1]), \(x[2])]")) }
            self = .quniform(x[0], x[1], step: x[2])
        default:
            throw SweepError(.invalidConfig(place: place, problem: "unknown spec '\(kind)'; use one of \(ParamSpec.kinds.joined(separator: ", "))"))
        }
    }

    /// Whether the grid strategy can enumerate it (`grid`, `choice`, `int`).
    public var isEnumerable: Bool { enumerated != nil }

    /// Whether it is crossed with the sampled keys under random and ASHA (only `grid`).
    public var isGrid: Bool { if case .grid = self { true } else { false } }

    /// All values, for the grid strategy; nil for the continuous specs.
    public var enumerated: [JSONValue]? {
        switch self {
        case .grid(let v), .choice(let v): return v
        case .int(let lo, let hi):
            // Never build more than a grid may hold (a wide range is meant for sampling).
            guard hi - lo < SearchSpace.maxPoints else { return nil }
            return (lo...hi).map { .int($0) }
        case .uniform, .loguniform, .quniform: return nil
        }
    }

    /// A value drawn with `rng`.
    public func sample(_ rng: inout RandomGenerator) -> JSONValue {
        switch self {
        case .grid(let v), .choice(let v):
            return v[rng.nextInt(below: v.count)]
        case .uniform(let lo, let hi):
            return .number(lo + rng.nextDouble() * (hi - lo))
        case .loguniform(let lo, let hi):
            return .number(exp(log(lo) + rng.nextDouble() * (log(hi) - log(lo))))
        case .int(let lo, let hi):
            return .int(lo + rng.nextInt(below: hi - lo + 1))
        case .quniform(let lo, let hi, let step):
            let x = ((lo + rng.nextDouble() * (hi - lo)) / step).rounded() * step
            return .number(min(max(x, lo), hi))
        }
    }
}
