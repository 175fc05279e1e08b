/// The scalar values of a resolved `config.yaml` by dotted key path (`data.task` ->
/// `classification`), read without a YAML library.
///
/// Understands the block style Tandem writes (`key: value` lines nested by indentation); list
/// items and flow collections are skipped, quotes around scalars are removed. Enough to find the
/// task, the run name and the early-stopping metric; not a general YAML parser.
public struct ConfigValues: Sendable {
    /// Scalar values by dotted key path.
    public let values: [String: String]

    /// Parses `text` (the content of `config.yaml`).
    public init(yaml text: String) {
        var values: [String: String] = [:]
        var stack: [(indent: Int, key: String)] = []
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = String(raw)
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if body.isEmpty || body.hasPrefix("#") || body.hasPrefix("- ") || body == "-" { continue }
            guard let colon = ConfigValues.keySeparator(in: body) else { continue }
            let key = ConfigValues.unquoted(String(body[body.startIndex..<colon]).trimmingSpaces())
            let value = String(body[body.index(after: colon)...]).trimmingSpaces()
            while let last = stack.last, last.indent >= indent { stack.removeLast() }
            let path = (stack.map(\.key) + [key]).joined(separator: ".")
            if value.isEmpty {
                stack.append((indent, key))
            } else if !value.hasPrefix("{") && !value.hasPrefix("[") {
                values[path] = ConfigValues.unquoted(ConfigValues.withoutComment(value))
            }
        }
        self.values = values
    }

    /// The value at `path`, e.g. `train.early_stopping.metric`.
    public subscript(path: String) -> String? { values[path] }

    /// The first `:` followed by a space or the end of the line, outside quotes.
    private static func keySeparator(in s: Substring) -> String.Index? {
        var quote: Character?
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == ":" {
                let next = s.index(after: i)
                if next == s.endIndex || s[next] == " " { return i }
            }
            i = s.index(after: i)
        }
        return nil
    }

    private static func withoutComment(_ s: String) -> String {
        guard !s.hasPrefix("\""), !s.hasPrefix("'"), let r = s.range(of: " #") else { return s }
        return String(s[..<r.lowerBound]).trimmingSpaces()
    }

    private static func unquoted(_ s: String) -> String {
        guard s.count >= 2, let f = s.first, f == s.last, f == "\"" || f == "'" else { return s }
        return String(s.dropFirst().dropLast())
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
