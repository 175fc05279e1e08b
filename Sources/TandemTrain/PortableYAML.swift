import Yams

/// Writes numbers in a form every YAML reader takes as floats. Yams writes `0.1` as `1e-1` and
/// `600.0` as `6e+2`, which YAML 1.2 reads as floats but YAML 1.1 readers (PyYAML) read as
/// strings, because 1.1 floats need a decimal point and a signed exponent. Here every float is
/// `600.0`, `0.1` or `1.0e-08`: valid in both.
enum PortableYAML {
    /// `yaml` (Yams output) with every plain float scalar rewritten by `float(_:)`.
    static func rewritingFloats(_ yaml: String) throws -> String {
        guard let root = try Yams.compose(yaml: yaml) else { return yaml }
        return try Yams.serialize(node: rewrite(root))
    }

    private static func rewrite(_ node: Node) -> Node {
        switch node {
        case .scalar(let s):
            guard s.style == .plain || s.style == .any, Resolver.default.resolveTag(of: node) == .float, let d = Double(s.string) else { return node }
            return .scalar(Node.Scalar(float(d), Tag(.float), s.style))
        case .sequence(let s):
            return .sequence(Node.Sequence(s.map(rewrite), s.tag, s.style))
        case .mapping(let m):
            return .mapping(Node.Mapping(m.map { ($0.key, rewrite($0.value)) }, m.tag, m.style))
        case .alias:
            return node
        }
    }

    /// `d` with a decimal point, and with a signed exponent when it has one (`1.0e-08`, `600.0`).
    static func float(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? ".nan" : d < 0 ? "-.inf" : ".inf" }
        var text = "\(d)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return text.contains(".") ? text : text + ".0"
        }
        var mantissa = String(text[..<e]), exponent = String(text[text.index(after: e)...])
        if !mantissa.contains(".") { mantissa += ".0" }
        if !exponent.hasPrefix("-") && !exponent.hasPrefix("+") { exponent = "+" + exponent }
        text = mantissa + "e" + exponent
        return text
    }
}
