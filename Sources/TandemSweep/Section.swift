import Yams

/// One mapping of a sweep config, read with errors that name the file, line and key path.
struct Section {
    let node: Node
    let mapping: Node.Mapping
    /// `search`, `search.asha`, ... ("" for the top level).
    let path: String
    let source: String

    /// Reads `node` as a mapping whose keys are all in `allowed`.
    init(_ node: Node, path: String, source: String, allowed: [String]) throws {
        let place = "\(source)\(node.mark.map { ":\($0.line)" } ?? "")"
        guard let m = node.mapping else { throw SweepError(.invalidConfig(place: place, problem: "\(path.isEmpty ? "the sweep config" : path) must be a mapping")) }
        self.node = node
        mapping = m
        self.path = path
        self.source = source
        var seen = Set<String>()
        for k in m.keys {
            let key = k.string ?? "\(k)"
            let full = path.isEmpty ? key : "\(path).\(key)"
            let line = "\(source)\(k.mark.map { ":\($0.line)" } ?? "")"
            if !allowed.contains(key) { throw SweepError(.invalidConfig(place: line, problem: "unknown key '\(full)'; allowed here: \(allowed.joined(separator: ", "))")) }
            if !seen.insert(key).inserted { throw SweepError(.invalidConfig(place: line, problem: "key '\(full)' appears twice")) }
        }
    }

    /// `file:line: path.key` for errors about `key` (the section's line when the key is absent).
    func at(_ key: String) -> String {
        let mark = mapping.first { $0.key.string == key }?.key.mark ?? node.mark
        return "\(source)\(mark.map { ":\($0.line)" } ?? ""): \(path.isEmpty ? key : "\(path).\(key)")"
    }

    func node(_ key: String) -> Node? { mapping[key] }

    func required(_ key: String) throws -> Node {
        guard let n = mapping[key] else { throw SweepError(.invalidConfig(place: source, problem: "'\(path.isEmpty ? key : "\(path).\(key)")' is required")) }
        return n
    }

    func string(_ key: String) throws -> String? {
        guard let n = mapping[key] else { return nil }
        guard case .scalar(let s) = n else { throw SweepError(.invalidConfig(place: at(key), problem: "expected a string")) }
        return s.string
    }

    func int(_ key: String) throws -> Int? {
        guard let n = mapping[key] else { return nil }
        guard let v = n.int else { throw SweepError(.invalidConfig(place: at(key), problem: "expected an integer, got '\(n.string ?? "\(n)")'")) }
        return v
    }
}
