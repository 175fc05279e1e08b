import TandemFormats
import TandemTensor
/// A JSON value whose objects keep their keys in the order given, for metrics.jsonl and summary.json.
///
/// Foundation's `JSONSerialization` reorders object keys; this renders them exactly as listed.
/// Rendering rules (stable, relied on by files on disk):
/// - `.number` uses Swift's shortest round-tripping form (`0.9444444444444444`, `1e-15`), so
///   integer-valued doubles render with a fraction (`1.0`); non-finite values render as `null`.
/// - `.int` renders without a fraction (`3`).
/// - Strings escape `"`, `\` and every control character below U+0020 (`\n`, `\r`, `\t`, `\b`,
///   `\f` by name, others as `\u00XX`); all other characters are written as UTF-8.
/// - Duplicate keys are written as given; callers keep them unique.
public enum JSONValue: Sendable {
    /// A floating-point number; NaN and infinities render as `null`.
    case number(Double)
    /// An integer, rendered without a fraction.
    case int(Int)
    /// A string.
    case string(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An array, in order.
    case array([JSONValue])
    /// An object whose keys render in the given order.
    case object([(String, JSONValue)])

    /// An object of numbers in the given order, e.g. from `ClassificationMetrics.scalars`.
    public static func numbers(_ pairs: [(String, Double)]) -> JSONValue {
        .object(pairs.map { ($0.0, .number($0.1)) })
    }

    /// Compact JSON text: no whitespace between tokens, one line (newlines inside strings are escaped).
    public var rendered: String {
        var out = ""
        write(to: &out, indent: nil, depth: 0)
        return out
    }

    /// Multi-line JSON text with each nesting level indented by `indent` spaces; empty arrays and
    /// objects render as `[]` and `{}`. No trailing newline.
    public func renderedPretty(indent: Int = 2) -> String {
        var out = ""
        write(to: &out, indent: max(indent, 0), depth: 0)
        return out
    }

    /// Appends this value to `out`; `indent == nil` means compact.
    private func write(to out: inout String, indent: Int?, depth: Int) {
        switch self {
        case .number(let x):
            out += x.isFinite ? x.description : "null"
        case .int(let i):
            out += String(i)
        case .string(let s):
            JSONValue.writeString(s, to: &out)
        case .bool(let b):
            out += b ? "true" : "false"
        case .null:
            out += "null"
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                JSONValue.newline(&out, indent: indent, depth: depth + 1)
                item.write(to: &out, indent: indent, depth: depth + 1)
            }
            JSONValue.newline(&out, indent: indent, depth: depth)
            out += "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.newline(&out, indent: indent, depth: depth + 1)
                JSONValue.writeString(key, to: &out)
                out += indent == nil ? ":" : ": "
                value.write(to: &out, indent: indent, depth: depth + 1)
            }
            JSONValue.newline(&out, indent: indent, depth: depth)
            out += "}"
        }
    }

    /// In pretty mode, a newline followed by `indent * depth` spaces; nothing in compact mode.
    private static func newline(_ out: inout String, indent: Int?, depth: Int) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: " ", count: indent * depth)
    }

    /// Appends `s` as a quoted, escaped JSON string.
    private static func writeString(_ s: String, to out: inout String) {
        out += JSONText.quoted(s)
    }
}
