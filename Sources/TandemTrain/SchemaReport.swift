import TandemData
import TandemMetrics

/// The inferred schema as log lines and as JSON (summary.json `schema`).
enum SchemaReport {
    /// One line per column that needs a look (text columns, columns with missing cells, columns
    /// left out), and one line counting the plain numeric features.
    static func lines(_ schema: [ColumnSchema], rows: Int) -> [String] {
        var out: [String] = []
        var plain = 0
        for c in schema {
            let f = c
            if f.kind == .numeric && f.missing == 0 && c.role == "feature" { plain += 1; continue }
            var line = "  \(f.name): \(f.kind == .numeric ? "numeric" : "text, \(f.distinct) level\(f.distinct == 1 ? "" : "s")")"
            if !f.levels.isEmpty && f.kind == .categorical { line += " [\(f.levels.prefix(8).joined(separator: ", "))\(f.levels.count > 8 ? ", ..." : "")]" }
            line += ", \(f.missing) missing"
            if c.role != "feature" { line += " (\(c.role == "id" ? "left out: looks like an ID" : c.role))" }
            out.append(line)
        }
        let head = "schema: \(schema.count) columns, \(rows) rows; \(plain) numeric feature\(plain == 1 ? "" : "s") without missing cells\(out.isEmpty ? "" : "; the others:")"
        return [head] + out
    }

    /// `[{name, role, kind, missing, distinct, levels?}]`.
    static func json(_ schema: [ColumnSchema]) -> JSONValue {
        .array(schema.map { c in
            var fields: [(String, JSONValue)] = [("name", .string(c.name)), ("role", .string(c.role)),
                                                 ("kind", .string(c.kind.rawValue)), ("missing", .int(c.missing)),
                                                 ("distinct", .int(c.distinct))]
            if c.kind == .categorical && !c.levels.isEmpty { fields.append(("levels", .array(c.levels.map { .string($0) }))) }
            return .object(fields)
        })
    }
}
