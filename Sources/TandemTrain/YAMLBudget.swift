import Yams

/// A bound on the size of a config after YAML alias expansion. Aliases let a 1 KB file describe
/// an exponentially large tree ("billion laughs": nine levels of ten aliases each are 10^9
/// values); Yams shares the aliased nodes, so composing is cheap, but every walk over the tree
/// (key checks, decoding) pays the expanded size. The walk here stops at the budget.
public enum YAMLBudget {
    /// Most values (scalars, mappings, sequences, keys) a config may expand to; hand-written
    /// configs hold a few hundred.
    public static let maxNodes = 100_000

    /// Throws a `ConfigError` naming `source` when `node` expands to more than `maxNodes` values.
    public static func check(_ node: Node, source: String) throws {
        var remaining = maxNodes
        func visit(_ n: Node) -> Bool {
            remaining -= 1
            guard remaining >= 0 else { return false }
            switch n {
            case .mapping(let m):
                for (k, v) in m where !visit(k) || !visit(v) { return false }
            case .sequence(let s):
                for v in s where !visit(v) { return false }
            default:
                break
            }
            return true
        }
        guard visit(node) else {
            throw ConfigError("\(source): the config expands to more than \(maxNodes) values (nested YAML aliases, '*name', repeat whole sections); write the values out instead")
        }
    }
}
