import TandemData

/// The rows of a prediction request, parsed straight from the JSON body into one typed column
/// per model feature (numeric features as numbers, `.nan` = missing; categorical as text, nil =
/// missing), ready to become a `Table`.
///
/// Accepted bodies: `{"rows": [{"name": value, ...}, ...]}` (every feature by name, `null` for a
/// missing value) or `{"rows": [[v0, v1, ...], ...]}` (values in the model's feature order).
struct RowsRequest {
    /// Feature columns in the model's order.
    var columns: [ColumnValues]
    /// Number of rows.
    var rowCount: Int

    /// The features a request must supply, with a name lookup; built once per model.
    struct Schema: Sendable {
        let names: [String]
        let kinds: [ColumnKind]
        let index: [String: Int]

        init(features: [ArtifactFeature]) {
            names = features.map(\.name)
            kinds = features.map(\.kind)
            index = Dictionary(features.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        }

        /// `a, b, c, ...` (the first 8) for messages.
        var listed: String { names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", ... (\(names.count) in all)" : "") }
    }

    /// A feature as the manifest lists it.
    typealias ArtifactFeature = (name: String, kind: ColumnKind)

    /// Parses `body`; throws a `ServeError` (400, or 413 for more than `maxRows` rows) naming
    /// the row, the feature and what was expected.
    static func parse(_ body: UnsafeRawBufferPointer, schema: Schema, maxRows: Int) throws(ServeError) -> RowsRequest {
        var cursor = JSONCursor(body)
        if cursor.atEnd { throw .badRequest("the request body is empty; expected a JSON object {\"rows\": [...]}") }
        guard cursor.peekKind() == .object else {
            if cursor.peekKind() == .invalid { throw cursor.malformed("expected a JSON object {\"rows\": [...]}") }
            throw .badRequest("expected a JSON object {\"rows\": [...]}, found \(cursor.peekKind().rawValue)")
        }
        cursor.position += 1
        var parsed: RowsRequest?
        if !cursor.consume(UInt8(ascii: "}")) {
            repeat {
                let key = try cursor.string()
                try cursor.expect(UInt8(ascii: ":"), "':' after a key")
                guard key == "rows" else { throw .badRequest("unknown key \"\(key)\" in the request object; expected only \"rows\"") }
                guard parsed == nil else { throw .badRequest("\"rows\" is given twice") }
                parsed = try rows(&cursor, schema: schema, maxRows: maxRows)
            } while try cursor.separator(close: UInt8(ascii: "}"), in: "the request object")
        }
        guard cursor.atEnd else { throw cursor.malformed("expected the end of the body after the request object") }
        guard let parsed else { throw .badRequest("the request has no \"rows\"; expected {\"rows\": [{\"\(schema.names.first ?? "feature")\": ...}, ...]}") }
        return parsed
    }

    /// The `rows` array.
    private static func rows(_ c: inout JSONCursor, schema: Schema, maxRows: Int) throws(ServeError) -> RowsRequest {
        guard c.peekKind() == .array else {
            if c.peekKind() == .invalid { throw c.malformed("expected an array of rows") }
            throw .badRequest("\"rows\" must be an array of rows, found \(c.peekKind().rawValue)")
        }
        c.position += 1
        var builder = Builder(schema: schema)
        if c.consume(UInt8(ascii: "]")) { throw .badRequest("\"rows\" is empty; send at least one row") }
        repeat {
            guard builder.rowCount < maxRows else {
                throw ServeError(.tooManyRows(limit: maxRows))
            }
            let r = builder.rowCount
            switch c.peekKind() {
            case .object: try builder.objectRow(&c, row: r)
            case .array: try builder.arrayRow(&c, row: r)
            case .invalid: throw c.malformed("expected a row (an object or an array)")
            case let kind:
                throw .badRequest("rows[\(r)]: expected an object keyed by feature name or an array of \(schema.names.count) values in the model's feature order, found \(kind.rawValue)")
            }
        } while try c.separator(close: UInt8(ascii: "]"), in: "\"rows\"")
        return builder.finish()
    }

    /// Column buffers filled row by row.
    private struct Builder {
        let schema: Schema
        var numbers: [[Double]]
        var texts: [[String?]]
        var seen: [Int]
        var rowCount = 0

        init(schema: Schema) {
            self.schema = schema
            numbers = schema.kinds.map { _ in [] }
            texts = schema.kinds.map { _ in [] }
            seen = Array(repeating: -1, count: schema.kinds.count)
        }

        /// One `{"name": value, ...}` row: every feature exactly once, no others.
        mutating func objectRow(_ c: inout JSONCursor, row: Int) throws(ServeError) {
            c.position += 1
            for f in schema.kinds.indices { appendMissing(f) }
            var count = 0
            if !c.consume(UInt8(ascii: "}")) {
                repeat {
                    let key = try c.string()
                    try c.expect(UInt8(ascii: ":"), "':' after a feature name")
                    guard let f = schema.index[key] else {
                        throw .badRequest("rows[\(row)]: unknown feature \"\(key)\"; the model's features are: \(schema.listed)")
                    }
                    guard seen[f] != row else { throw .badRequest("rows[\(row)]: feature \"\(key)\" is given twice") }
                    seen[f] = row
                    count += 1
                    try value(&c, feature: f, row: row, byPosition: false)
                } while try c.separator(close: UInt8(ascii: "}"), in: "rows[\(row)]")
            }
            if count < schema.kinds.count, let missing = schema.kinds.indices.first(where: { seen[$0] != row }) {
                throw .badRequest("rows[\(row)]: feature \"\(schema.names[missing])\" is missing (\(count) of \(schema.names.count) features given; send null for an unknown value, which takes the training imputation)")
            }
            rowCount += 1
        }

        /// One `[v0, v1, ...]` row in the model's feature order.
        mutating func arrayRow(_ c: inout JSONCursor, row: Int) throws(ServeError) {
            c.position += 1
            let n = schema.kinds.count
            for f in 0..<n { appendMissing(f) }
            var k = 0
            if !c.consume(UInt8(ascii: "]")) {
                repeat {
                    guard k < n else { throw wrongCount(row: row, atLeast: k + 1) }
                    try value(&c, feature: k, row: row, byPosition: true)
                    k += 1
                } while try c.separator(close: UInt8(ascii: "]"), in: "rows[\(row)]")
            }
            guard k == n else { throw wrongCount(row: row, atLeast: k) }
            rowCount += 1
        }

        /// The error for an array row with the wrong number of values.
        func wrongCount(row: Int, atLeast k: Int) -> ServeError {
            .badRequest("rows[\(row)]: \(k > schema.names.count ? "more than \(schema.names.count)" : "\(k)") values, but the model takes \(schema.names.count) features in this order: \(schema.listed)")
        }

        /// Appends a missing cell to feature `f`'s column (overwritten when the value is read).
        mutating func appendMissing(_ f: Int) {
            if schema.kinds[f] == .numeric { numbers[f].append(.nan) } else { texts[f].append(nil) }
        }

        /// Reads the value of feature `f` in `row`: a number (numeric) or string (categorical), or null.
        /// `byPosition` says how messages name the value: `rows[r][k] (name)` or `rows[r].name`.
        mutating func value(_ c: inout JSONCursor, feature f: Int, row: Int, byPosition: Bool) throws(ServeError) {
            func place() -> String { byPosition ? "rows[\(row)][\(f)] (\(schema.names[f]))" : "rows[\(row)].\(schema.names[f])" }
            if try c.consumeNull() { return }
            let kind = c.peekKind()
            switch (schema.kinds[f], kind) {
            case (.numeric, .number):
                let n = try c.number()
                guard n.value.isFinite else { throw .badRequest("\(place()): \(c.text(n.start, n.end)) is out of range for a number") }
                numbers[f][row] = n.value
            case (.categorical, .string):
                let s = try c.string()
                texts[f][row] = CellText.isMissing(s) ? nil : RowsRequest.trimmed(s)
            case (_, .invalid):
                throw c.malformed("expected a value for \(place())")
            case (.numeric, _):
                throw .badRequest("\(place()): expected a number or null (numeric feature), found \(kind.rawValue)\(kind == .string ? " \(quotedString(&c))" : "")")
            case (.categorical, _):
                throw .badRequest("\(place()): expected a string or null (categorical feature), found \(kind.rawValue)")
            }
        }

        /// The string at the cursor, quoted and cut for a message.
        private func quotedString(_ c: inout JSONCursor) -> String {
            guard let s = try? c.string() else { return "" }
            return "\"" + (s.count > 40 ? String(s.prefix(37)) + "..." : s) + "\""
        }

        /// The parsed columns.
        func finish() -> RowsRequest {
            let columns: [ColumnValues] = schema.kinds.indices.map { f in
                schema.kinds[f] == .numeric ? .numeric(numbers[f]) : .categorical(texts[f])
            }
            return RowsRequest(columns: columns, rowCount: rowCount)
        }
    }

    /// `text` without surrounding spaces and tabs, as table cells are read.
    static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return text }
        return String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
