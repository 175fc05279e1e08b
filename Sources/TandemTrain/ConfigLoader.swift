import Foundation
import Yams

/// Reads a job config (YAML or JSON), applies `--set key.path=value` overrides, and decodes it
/// with every unknown key, missing field and mistyped value reported by its key path.
public enum ConfigLoader {
    /// Loads `path` and applies `overrides` (each `dotted.key=value`, value parsed as YAML, so
    /// `--set model.hidden=[64,32]` and `--set train.optimizer.lr=0.01` work).
    public static func load(path: String, overrides: [String] = []) throws -> JobConfig {
        guard FileManager.default.fileExists(atPath: path) else { throw ConfigError("\(path): no such config file") }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("\(path): cannot read the file as UTF-8 text")
        }
        return try parse(text, source: path, overrides: overrides)
    }

    /// The config file `path` names: `path` itself, or for a run directory its `config.yaml`
    /// (the resolved config that run was started with). Throws `ConfigError` for a directory
    /// without one.
    public static func configFile(for path: String) throws -> String {
        guard isDirectory(path) else { return path }
        let file = (path as NSString).appendingPathComponent("config.yaml")
        guard FileManager.default.fileExists(atPath: file) else {
            throw ConfigError("\(path) is a directory without config.yaml; give a config file, or a run directory that tandem train wrote")
        }
        return file
    }

    /// True when `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }

    /// Parses config `text` (YAML or JSON); `source` names it in errors.
    public static func parse(_ text: String, source: String, overrides: [String] = []) throws -> JobConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ConfigError("\(source): the config file is empty") }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(ConfigDiagnostics.syntax(error, source: source))
        }
        try YAMLBudget.check(root, source: source)
        guard root.mapping != nil else { throw ConfigError("\(source): the config must be a mapping of sections (name, data, model, train, output, checkpoint)") }
        try rejectDuplicateKeys(root, path: [], source: source)
        var node = root
        for o in overrides { try apply(override: o, to: &node) }
        let overridden = overrides.compactMap { o in o.firstIndex(of: "=").map { String(o[..<$0]) } }
        do {
            return try YAMLDecoder().decode(JobConfig.self, from: node)
        } catch let error as ConfigError {
            throw ConfigDiagnostics.located(error, overrides: overridden, source: source)
        } catch let error as DecodingError {
            throw ConfigDiagnostics.located(ConfigDiagnostics.describe(error, root: node), overrides: overridden, source: source)
        }
    }

    /// YAML allows a key twice in a mapping (the last wins); in a config that is always a mistake.
    static func rejectDuplicateKeys(_ node: Node, path: [String], source: String) throws {
        switch node {
        case .mapping(let m):
            var seen = Set<String>()
            for (k, v) in m {
                let key = k.string ?? "\(k)"
                if !seen.insert(key).inserted {
                    let line = k.mark.map { ":\($0.line)" } ?? ""
                    throw ConfigError("\(source)\(line): key '\((path + [key]).joined(separator: "."))' appears twice")
                }
                try rejectDuplicateKeys(v, path: path + [key], source: source)
            }
        case .sequence(let s):
            for (i, v) in s.enumerated() { try rejectDuplicateKeys(v, path: path + ["[\(i)]"], source: source) }
        default:
            break
        }
    }

    /// The resolved config (defaults filled in) as YAML, with floats any YAML 1.1 or 1.2 reader
    /// reads as floats (`PortableYAML`).
    public static func yaml(_ config: JobConfig) throws -> String {
        try PortableYAML.rewritingFloats(YAMLEncoder().encode(config))
    }

    static func apply(override: String, to node: inout Node) throws {
        guard let eq = override.firstIndex(of: "="), eq != override.startIndex else {
            throw ConfigError("--set '\(override)': expected key.path=value")
        }
        let keys = override[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let valueText = String(override[override.index(after: eq)...])
        guard !keys.isEmpty, !keys.contains(where: \.isEmpty) else { throw ConfigError("--set '\(override)': empty key in the key path") }
        let value: Node
        do {
            value = try Yams.compose(yaml: valueText) ?? Node("", Tag(.str))
            try YAMLBudget.check(value, source: "--set '\(override)'")
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError("--set '\(override)': the value is not valid YAML: \(error)")
        }
        try set(&node, keys[...], value, full: keys.joined(separator: "."))
    }

    private static func set(_ node: inout Node, _ keys: ArraySlice<String>, _ value: Node, full: String) throws {
        guard var mapping = node.mapping, let key = keys.first else {
            throw ConfigError("--set \(full): '\(keys.first ?? "")' is inside a value that is not a mapping", keyPath: full, reason: .unknownKey)
        }
        if keys.count == 1 {
            mapping[key] = value
        } else {
            var child = mapping[key] ?? Node.mapping(Node.Mapping([]))
            try set(&child, keys.dropFirst(), value, full: full)
            mapping[key] = child
        }
        node = .mapping(mapping)
    }

    /// Decodes an empty mapping into `T`, giving its defaults.
    static func defaults<T: Decodable>(_ type: T.Type) throws -> T {
        try YAMLDecoder().decode(T.self, from: Node.mapping(Node.Mapping([])))
    }
}

/// Decodes the defaults of a config section (its decoding of an empty mapping).
func emptyDecode<T: Decodable>(_ type: T.Type) throws -> T { try ConfigLoader.defaults(type) }
