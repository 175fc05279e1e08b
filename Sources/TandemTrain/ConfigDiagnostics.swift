import Yams

/// Turns what the YAML parser and decoder report into plain sentences: where (file and line, or
/// the `--set` flag that gave the value, and the key path), what was expected, and what was found.
/// No decoder wording ("Expected to decode ... but found ...") reaches the user.
enum ConfigDiagnostics {
    /// The message for a YAML syntax error in `source`. A construct left open (an unclosed
    /// quote, bracket or brace) is reported at the line and column where it opened, which is
    /// where the fix goes, with the parser's problem and where it noticed it.
    static func syntax(_ error: any Error, source: String) -> String {
        guard let yaml = error as? YamlError else { return "\(source): not valid YAML or JSON: \(error)" }
        switch yaml {
        case let .scanner(context, problem, mark, text), let .parser(context, problem, mark, text),
             let .composer(context, problem, mark, text):
            guard let context else {
                return "\(source):\(mark.line):\(mark.column): not valid YAML or JSON: \(problem)\n" + snippet(text, line: mark.line, column: mark.column)
            }
            let noticed = context.mark.line == mark.line ? "" : " (noticed at line \(mark.line))"
            var what = context.text
            if what.contains("quoted scalar") { what += ": the quote that opens here is never closed" }
            return "\(source):\(context.mark.line):\(context.mark.column): not valid YAML or JSON: \(what); \(problem)\(noticed)\n"
                + snippet(text, line: context.mark.line, column: context.mark.column)
        default:
            return "\(source): not valid YAML or JSON: \(yaml)"
        }
    }

    /// Line `line` of `text` with a caret under `column` (both 1-based).
    static func snippet(_ text: String, line: Int, column: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return "" }
        return "  " + lines[line - 1] + "\n  " + String(repeating: " ", count: max(0, column - 1)) + "^"
    }

    /// Where a problem with `keyPath` comes from: `--set KEY` when an override set that key (or a
    /// mapping that holds it, or a value inside it), else the config file `source`.
    static func origin(of keyPath: String, overrides: [String], source: String) -> String {
        for key in overrides.reversed() where keyPath == key || keyPath.hasPrefix(key + ".") || keyPath.hasPrefix(key + "[")
            || key.hasPrefix(keyPath + ".") {
            return "--set \(key)"
        }
        return source
    }

    /// `error` with its origin in front (the config file, or the `--set` flag that gave its
    /// `keyPath`), keeping its key path and reason. When the origin is `--set KEY` for the error's
    /// own key path, the key (which the message starts with) is not repeated:
    /// `--set model.hidden: expected ...`; an unknown key's message quotes it instead:
    /// `--set train.lrr: unknown key 'train.lrr'`.
    static func located(_ error: ConfigError, overrides: [String], source: String) -> ConfigError {
        let message = error.description
        guard let path = error.keyPath else { return ConfigError("\(source): \(message)", reason: error.reason) }
        let from = origin(of: path, overrides: overrides, source: source)
        let located = from == "--set \(path)" && error.reason != .unknownKey ? "--set " + message : "\(from): \(message)"
        return ConfigError(located, keyPath: path, reason: error.reason)
    }

    /// The dotted key path of a coding path: `model.hidden[0]`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        let p = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
        return p.isEmpty ? "(top level)" : p
    }

    /// A decoding error in plain words, with its key path: `model.hidden: expected a list of
    /// integers like [64, 32], got 64`.
    static func describe(_ error: DecodingError, root: Node) -> ConfigError {
        switch error {
        case .typeMismatch(let type, let ctx):
            let p = path(ctx.codingPath)
            let found = node(at: ctx.codingPath, in: root).map { ", got \(render($0))" } ?? ""
            return ConfigError("\(p): expected \(expectation(p, type))\(found)", keyPath: p)
        case .valueNotFound(let type, let ctx):
            let p = path(ctx.codingPath)
            return ConfigError("\(p): expected \(expectation(p, type)) but found nothing", keyPath: p)
        case .keyNotFound(let key, let ctx):
            let p = path(ctx.codingPath + [key])
            return ConfigError("\(p) is required", keyPath: p)
        case .dataCorrupted(let ctx):
            let p = path(ctx.codingPath)
            let found = node(at: ctx.codingPath, in: root).map { "got \(render($0))" } ?? "the value cannot be read"
            return ConfigError("\(p): \(found), which is not a valid value here", keyPath: p)
        @unknown default:
            return ConfigError("the config cannot be read")
        }
    }

    /// What belongs at `path`, in words, for the decoder's `type`.
    static func expectation(_ path: String, _ type: Any.Type) -> String {
        let lists: [String: String] = [
            "model.hidden": "a list of integers like [64, 32]",
            "data.features": "a list of column names like [age, income]",
            "data.exclude": "a list of column names like [id, name]",
            "data.missing": "a list of cell texts like [\"\", NA, \"?\"]",
            "data.columns": "a mapping of column names to numeric or categorical, like {zip: categorical}",
        ]
        if let known = lists[path] { return known }
        switch type {
        case is Int.Type: return "an integer"
        case is UInt64.Type: return "a whole number >= 0"
        case is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Node.Sequence.Type: return "a list like [a, b]"
        case is Node.Mapping.Type: return "a mapping of keys to values like {key: value}"
        case is Node.Scalar.Type: return path.hasSuffix("]") ? "a single value in this list, not a list or mapping" : "a single value, not a list or mapping"
        default: return "a value of another form"
        }
    }

    /// The node at `codingPath` under `root`, if there is one.
    static func node(at codingPath: [any CodingKey], in root: Node) -> Node? {
        var n = root
        for key in codingPath {
            if let i = key.intValue, let s = n.sequence {
                guard i >= 0, i < s.count else { return nil }
                n = s[i]
            } else if let m = n.mapping, let v = m[key.stringValue] {
                n = v
            } else {
                return nil
            }
        }
        return n
    }

    /// `node` in YAML flow style on one line, shortened past 80 characters.
    static func render(_ node: Node) -> String {
        let text: String
        switch node {
        case .scalar(let s): text = s.string.isEmpty ? "an empty value" : s.string
        case .sequence(let s): text = "[" + s.map(render).joined(separator: ", ") + "]"
        case .mapping(let m): text = "{" + m.map { "\(render($0.key)): \(render($0.value))" }.joined(separator: ", ") + "}"
        case .alias: text = "an alias"
        }
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
