import TandemData

/// The parser of prediction request bodies: straight from the JSON bytes into `RequestRows`
/// (numbers `[rows, features]` row-major, `.nan` = missing; texts for categorical features, nil =
/// missing), buffers reused from one request to the next, no document tree and no table.
///
/// Accepted bodies: `{"rows": [{"name": value, ...}, ...]}` (every feature by name, `null` for a
/// missing value) or `{"rows": [[v0, v1, ...], ...]}` (values in the model's feature order).
enum RowsRequest {
    /// The features a request must supply, with a name lookup; built once per model.
    struct Schema: Sendable {
        let names: [String]
        let kinds: [ColumnKind]
        let index: [String: Int]
        /// Whether any feature is categorical (texts are kept only then).
        let hasText: Bool
        /// Per feature, how many numeric features start there in a row (0 for a categorical one),
        /// the most values an array row's fast number reader may take from that feature on.
        let numericRun: [Int]
        /// Every feature name's UTF-8 bytes, one after the other, and per feature its range there:
        /// nil when the name's JSON text may differ from its bytes (a quote, backslash or control
        /// character) or when an earlier feature has the same name.
        let nameBytes: [UInt8]
        let nameRanges: [Range<Int>?]

        init(features: [ArtifactFeature]) {
            names = features.map(\.name)
            kinds = features.map(\.kind)
            hasText = kinds.contains(.categorical)
            var run = [Int](repeating: 0, count: kinds.count)
            for f in kinds.indices.reversed() where kinds[f] == .numeric { run[f] = 1 + (f + 1 < kinds.count ? run[f + 1] : 0) }
            numericRun = run
            index = Dictionary(features.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
            var bytes: [UInt8] = [], ranges: [Range<Int>?] = []
            for (f, name) in names.enumerated() {
                let plain = name.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
                ranges.append(plain && index[name] == f ? bytes.count..<(bytes.count + name.utf8.count) : nil)
                bytes.append(contentsOf: name.utf8)
            }
            nameBytes = bytes
            nameRanges = ranges
        }

        /// `a, b, c, ...` (the first 8) for messages.
        var listed: String { names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", ... (\(names.count) in all)" : "") }
    }

    /// A feature as the manifest lists it.
    typealias ArtifactFeature = (name: String, kind: ColumnKind)

    /// The request object's one key.
    private static let rowsKey = Array("rows".utf8)

    /// Parses `body` into `rows` (whose previous contents are dropped, their storage kept); throws
    /// a `ServeError` (400, or 413 for more than `maxRows` rows) naming the row, the feature and
    /// what was expected. `fastPaths` (tests set it false to compare) reads runs of numbers in
    /// array rows and object keys in the model's order by their bytes; same results, same errors.
    static func parse(_ body: UnsafeRawBufferPointer, schema: Schema, maxRows: Int, into rows: inout RequestRows,
                      fastPaths: Bool = true) throws(ServeError) {
        var cursor = JSONCursor(body)
        if cursor.atEnd { throw .badRequest(.emptyBody) }
        guard cursor.peekKind() == .object else {
            if cursor.peekKind() == .invalid { throw cursor.malformed("expected a JSON object {\"rows\": [...]}") }
            throw .badRequest(.notAnObject(found: cursor.peekKind().rawValue))
        }
        cursor.position += 1
        var parsed = false
        if !cursor.consume(UInt8(ascii: "}")) {
            repeat {
                // `"rows"` as it nearly always comes (no escapes) without making a String of it.
                let key = Self.rowsKey.withUnsafeBufferPointer { cursor.consumeKey($0) } ? "rows" : try cursor.string()
                try cursor.expect(UInt8(ascii: ":"), "':' after a key")
                guard key == "rows" else { throw .badRequest(.unknownKey(key)) }
                guard !parsed else { throw .badRequest(.rowsTwice) }
                try Self.rows(&cursor, schema: schema, maxRows: maxRows, into: &rows, fastPaths: fastPaths)
                parsed = true
            } while try cursor.separator(close: UInt8(ascii: "}"), in: "the request object")
        }
        guard cursor.atEnd else { throw cursor.malformed("expected the end of the body after the request object") }
        guard parsed else { throw .badRequest(.noRows(firstFeature: schema.names.first ?? "feature")) }
    }

    /// The `rows` array.
    private static func rows(_ c: inout JSONCursor, schema: Schema, maxRows: Int, into rows: inout RequestRows, fastPaths: Bool) throws(ServeError) {
        guard c.peekKind() == .array else {
            if c.peekKind() == .invalid { throw c.malformed("expected an array of rows") }
            throw .badRequest(.rowsNotArray(found: c.peekKind().rawValue))
        }
        c.position += 1
        var builder = Builder(schema: schema, fastPaths: fastPaths)
        swap(&builder.rows, &rows)  // the builder holds the only reference to the buffers while it fills them
        defer { swap(&builder.rows, &rows) }
        builder.rows.reset(features: schema.kinds.count, text: schema.hasText)
        if c.consume(UInt8(ascii: "]")) { throw .badRequest(.emptyRows) }
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
                throw .badRequest(.rowNotObjectOrArray(row: r, width: schema.names.count, found: kind.rawValue))
            }
        } while try c.separator(close: UInt8(ascii: "]"), in: "\"rows\"")
    }

    /// `RequestRows` filled row by row.
    private struct Builder {
        let schema: Schema
        let fastPaths: Bool
        var rows = RequestRows()
        var rowCount: Int { rows.count }

        /// One `{"name": value, ...}` row: every feature exactly once, no others.
        mutating func objectRow(_ c: inout JSONCursor, row: Int) throws(ServeError) {
            c.position += 1
            rows.appendMissingRow()
            var count = 0
            if !c.consume(UInt8(ascii: "}")) {
                repeat {
                    let f: Int
                    if fastPaths, count < schema.nameRanges.count, let range = schema.nameRanges[count],
                       schema.nameBytes.withUnsafeBufferPointer({ c.consumeKey(UnsafeBufferPointer(rebasing: $0[range])) }) {
                        f = count  // the next feature in the model's order, matched on its bytes (no String)
                        try c.expect(UInt8(ascii: ":"), "':' after a feature name")
                    } else {
                        let key = try c.string()
                        try c.expect(UInt8(ascii: ":"), "':' after a feature name")
                        guard let i = schema.index[key] else {
                            throw .badRequest(.unknownFeature(row: row, name: key, features: schema.listed))
                        }
                        f = i
                    }
                    guard rows.seen[f] != row else { throw .badRequest(.featureTwice(row: row, name: schema.names[f])) }
                    rows.seen[f] = row
                    count += 1
                    try value(&c, feature: f, row: row, byPosition: false)
                } while try c.separator(close: UInt8(ascii: "}"), in: "rows[\(row)]")
            }
            if count < schema.kinds.count, let missing = schema.kinds.indices.first(where: { rows.seen[$0] != row }) {
                throw .badRequest(.missingFeature(row: row, name: schema.names[missing], given: count, width: schema.names.count))
            }
            rows.count += 1
        }

        /// One `[v0, v1, ...]` row in the model's feature order.
        mutating func arrayRow(_ c: inout JSONCursor, row: Int) throws(ServeError) {
            c.position += 1
            let n = schema.kinds.count
            rows.appendMissingRow()
            var k = 0
            if !c.consume(UInt8(ascii: "]")) {
                while true {
                    // Runs of plain numbers in numeric features at once; the rest value by value.
                    if fastPaths, k < n, schema.numericRun[k] > 0 {
                        let run = rows.numbers.withUnsafeMutableBufferPointer { numbers in
                            guard let base = numbers.baseAddress else { return (count: 0, closed: false) }
                            return c.numberRun(into: base + (row * n + k), max: schema.numericRun[k], close: UInt8(ascii: "]"))
                        }
                        k += run.count
                        if run.closed { break }
                        if run.count > 0 { continue }  // after a ',': the next element, read as any other
                    }
                    guard k < n else { throw wrongCount(row: row, atLeast: k + 1) }
                    try value(&c, feature: k, row: row, byPosition: true)
                    k += 1
                    guard try c.separator(close: UInt8(ascii: "]"), in: "rows[\(row)]") else { break }
                }
            }
            guard k == n else { throw wrongCount(row: row, atLeast: k) }
            rows.count += 1
        }

        /// The error for an array row with the wrong number of values.
        func wrongCount(row: Int, atLeast k: Int) -> ServeError {
            .badRequest(.wrongValueCount(row: row, count: k, width: schema.names.count, features: schema.listed))
        }

        /// Reads the value of feature `f` in `row`: a number (numeric) or string (categorical), or null.
        /// `byPosition` says how messages name the value: `rows[r][k] (name)` or `rows[r].name`.
        mutating func value(_ c: inout JSONCursor, feature f: Int, row: Int, byPosition: Bool) throws(ServeError) {
            func place() -> RequestProblem.Place { RequestProblem.Place(row: row, feature: f, name: schema.names[f], byPosition: byPosition) }
            if try c.consumeNull() { return }
            let kind = c.peekKind()
            switch (schema.kinds[f], kind) {
            case (.numeric, .number):
                let n = try c.number()
                guard n.value.isFinite else { throw .badRequest(.numberOutOfRange(place: place(), text: c.text(n.start, n.end))) }
                rows.numbers[row * schema.kinds.count + f] = n.value
            case (.categorical, .string):
                let s = try c.string()
                rows.texts[row * schema.kinds.count + f] = CellText.isMissing(s) ? nil : RowsRequest.trimmed(s)
            case (_, .invalid):
                throw c.malformed("expected a value for \(place())")
            case (.numeric, _):
                throw .badRequest(.expectedNumber(place: place(), found: kind.rawValue, string: kind == .string ? quotedString(&c) : nil))
            case (.categorical, _):
                throw .badRequest(.expectedString(place: place(), found: kind.rawValue))
            }
        }

        /// The string at the cursor, quoted and cut for a message.
        private func quotedString(_ c: inout JSONCursor) -> String {
            guard let s = try? c.string() else { return "" }
            return "\"" + (s.count > 40 ? String(s.prefix(37)) + "..." : s) + "\""
        }

    }

    /// `text` without surrounding spaces and tabs, as table cells are read.
    static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return text }
        return String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

/// A request's rows as parsed, in buffers that keep their storage from one request to the next.
struct RequestRows {
    /// Rows parsed.
    var count = 0
    /// `[count, features]` row-major: numeric features' values, `.nan` = missing (also `.nan` in
    /// categorical features' places).
    var numbers: [Double] = []
    /// `[count, features]` row-major: categorical features' trimmed texts, nil = missing; empty
    /// when the model has no categorical feature.
    var texts: [String?] = []
    /// Per feature, the last row that named it (object rows).
    var seen: [Int] = []
    private var features = 0, text = false

    /// Empties the rows for a model with `features` features (`text`: any categorical).
    mutating func reset(features: Int, text: Bool) {
        count = 0
        self.features = features
        self.text = text
        numbers.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
        seen.removeAll(keepingCapacity: true)
        seen.append(contentsOf: repeatElement(-1, count: features))
    }

    /// Appends a row of missing values (overwritten as the row's values are read; `count` is
    /// advanced once the row is complete).
    mutating func appendMissingRow() {
        numbers.removeSubrange((count * features)...)
        numbers.append(contentsOf: repeatElement(.nan, count: features))
        if text {
            texts.removeSubrange((count * features)...)
            texts.append(contentsOf: repeatElement(nil, count: features))
        }
    }
}
