import CKernels

/// A forward-only reader of JSON text in a byte buffer (RFC 8259), for parsing request bodies
/// straight into typed values without building a document tree. Errors are `ServeError` 400s
/// saying what was expected and where (line, column and byte offset).
struct JSONCursor {
    /// The body; must outlive the cursor.
    let bytes: UnsafeRawBufferPointer
    /// Offset of the next unread byte.
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The kind of value that starts at a byte, for "found ..." in messages.
    enum Kind: String {
        case object = "an object", array = "an array", string = "a string", number = "a number"
        case bool = "a boolean", null = "null", invalid = "invalid JSON"
    }

    /// True when only whitespace is left.
    var atEnd: Bool { mutating get { skipWhitespace(); return position >= bytes.count } }

    /// Skips spaces, tabs, carriage returns and newlines.
    mutating func skipWhitespace() {
        while position < bytes.count {
            let b = bytes[position]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            position += 1
        }
    }

    /// The next non-whitespace byte without consuming it, or nil at the end.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// What kind of value starts at the next non-whitespace byte.
    mutating func peekKind() -> Kind {
        guard let b = peek() else { return .invalid }
        return switch b {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: .invalid
        }
    }

    /// Consumes `byte` (after whitespace) if it is next; returns whether it was.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    /// Consumes `byte` (after whitespace) or throws "expected `what`".
    mutating func expect(_ byte: UInt8, _ what: String) throws(ServeError) {
        guard consume(byte) else { throw malformed("expected \(what)") }
    }

    /// After a member or element: consumes `,` (returns true) or `close` (returns false).
    /// `what` (for the message) is built only on an error: callers pass `"rows[\(r)]"`.
    mutating func separator(close: UInt8, in what: @autoclosure () -> String) throws(ServeError) -> Bool {
        if consume(UInt8(ascii: ",")) { return true }
        if consume(close) { return false }
        throw malformed("expected ',' or '\(Character(Unicode.Scalar(close)))' in \(what())")
    }

    /// Consumes the literal `null` if it is next.
    mutating func consumeNull() throws(ServeError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Consumes `true`/`false`/`null` exactly.
    mutating func literal(_ word: StaticString) throws(ServeError) {
        let n = word.utf8CodeUnitCount
        guard position + n <= bytes.count,
              (0..<n).allSatisfy({ bytes[position + $0] == word.utf8Start[$0] }) else {
            throw malformed("expected \(word)")
        }
        position += n
    }

    /// Skips one value of any kind (bounded nesting), to reach the next member after a wrong-typed one.
    mutating func skipValue(depth: Int = 0) throws(ServeError) {
        guard depth < 64 else { throw malformed("nesting deeper than 64 levels") }
        switch peekKind() {
        case .object:
            position += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                _ = try string()
                try expect(UInt8(ascii: ":"), "':' after a key")
                try skipValue(depth: depth + 1)
            } while try separator(close: UInt8(ascii: "}"), in: "an object")
        case .array:
            position += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while try separator(close: UInt8(ascii: "]"), in: "an array")
        case .string: _ = try string()
        case .number: _ = try number()
        case .bool: try literal(bytes[position] == UInt8(ascii: "t") ? "true" : "false")
        case .null: try literal("null")
        case .invalid: throw malformed("expected a value")
        }
    }

    /// Reads a number (JSON grammar), correctly rounded to the nearest Double (a plain integer
    /// of at most 15 digits as that integer, so `-0` is +0.0). Returns the value and its text
    /// span (for messages). The grammar and the values exact in double arithmetic are read by
    /// `tandem_json_number`; other values are converted from their text.
    mutating func number() throws(ServeError) -> (value: Double, start: Int, end: Int) {
        skipWhitespace()
        let start = position
        guard let base = bytes.baseAddress, start < bytes.count else { throw malformed("expected a number") }
        var end = 0, value = 0.0
        let status = tandem_json_number(base.assumingMemoryBound(to: UInt8.self) + start, bytes.count - start, &end, &value)
        switch Int(status) {
        case TANDEM_JSON_VALUE:
            position = start + end
            return (value, start, position)
        case TANDEM_JSON_SLOW:
            position = start + end
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let v = Double(text) else { throw malformed("not a number: \(text)") }
            return (v, start, position)
        case TANDEM_JSON_NO_DIGITS: throw malformed("expected a number")
        case TANDEM_JSON_LEADING_ZERO: throw malformed("a number may not start with 0")
        case TANDEM_JSON_NO_FRACTION_DIGITS:
            position = start + end
            throw malformed("expected a digit after '.'")
        default:
            position = start + end
            throw malformed("expected a digit in the exponent")
        }
    }

    /// Consumes the string `"key"` (after whitespace) if it is next with exactly `key`'s bytes
    /// and no escape; returns whether it was (otherwise only whitespace is consumed). `key` must
    /// hold no quote, backslash or control character, so its bytes are its JSON text.
    mutating func consumeKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        skipWhitespace()
        let end = position + key.count + 2
        guard end <= bytes.count, bytes[position] == UInt8(ascii: "\""), bytes[end - 1] == UInt8(ascii: "\"") else { return false }
        for k in key.indices where bytes[position + 1 + k] != key[k] { return false }
        position = end
        return true
    }

    /// Reads up to `max` array elements while each is a number with an exactly computed value
    /// followed by ',' or `close` (`tandem_json_number_run`), into `out`; returns how many and
    /// whether `close` ended them. Stops before anything else (null, a string, a number needing
    /// its text converted, malformed JSON), which the caller then reads with `number()` and
    /// `separator(close:in:)` as usual, so results and errors are those of the general reader.
    mutating func numberRun(into out: UnsafeMutablePointer<Double>, max: Int, close: UInt8) -> (count: Int, closed: Bool) {
        guard let base = bytes.baseAddress else { return (0, false) }
        var at = position
        var closed: Int32 = 0
        let count = tandem_json_number_run(base.assumingMemoryBound(to: UInt8.self), bytes.count, &at, out, max, close, &closed)
        position = at
        return (count, closed != 0)
    }

    /// The source text of `start..<end` (for messages).
    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<min(end, start + 40)]), as: UTF8.self)
    }

    /// Reads a string (escapes decoded; must be valid UTF-8 without raw control characters).
    mutating func string() throws(ServeError) -> String {
        try expect(UInt8(ascii: "\""), "a string")
        let start = position
        var i = position
        while i < bytes.count {  // fast path: no escapes
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                position = i + 1
                return try utf8(start, i)
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { break }
            i += 1
        }
        var out: [UInt8] = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                position = i + 1
                guard let s = String(validating: out, as: UTF8.self) else { throw malformed("a string is not valid UTF-8", at: start) }
                return s
            }
            if b < 0x20 { position = i; throw malformed("a control character must be escaped inside a string") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            guard i + 1 < bytes.count else { break }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    let low = try hex4(at: i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                guard let s = Unicode.Scalar(scalar) else { position = i; throw malformed("\\u escape is an unpaired surrogate") }
                out.append(contentsOf: Array(String(Character(s)).utf8))
            default:
                position = i - 1
                throw malformed("unknown escape '\\\(Character(Unicode.Scalar(e)))' in a string")
            }
        }
        position = bytes.count
        throw malformed("unterminated string")
    }

    /// Four hex digits at `at` as a number.
    private mutating func hex4(at: Int) throws(ServeError) -> UInt32 {
        guard at + 4 <= bytes.count else { position = bytes.count; throw malformed("unterminated \\u escape") }
        var v: UInt32 = 0
        for k in at..<(at + 4) {
            guard let d = Character(Unicode.Scalar(bytes[k])).hexDigitValue else { position = k; throw malformed("expected 4 hex digits after \\u") }
            v = v * 16 + UInt32(d)
        }
        return v
    }

    /// Validated UTF-8 text of `start..<end`.
    private func utf8(_ start: Int, _ end: Int) throws(ServeError) -> String {
        guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
            throw malformed("a string is not valid UTF-8", at: start)
        }
        return s
    }

    /// A 400 "malformed JSON at line L, column C (byte B): message, found X".
    func malformed(_ message: String, at offset: Int? = nil) -> ServeError {
        let at = min(offset ?? position, bytes.count)
        var line = 1, column = 1
        for k in 0..<at {
            if bytes[k] == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        let found: String
        if at >= bytes.count {
            found = "the end of the body"
        } else {
            let b = bytes[at]
            found = b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
        }
        return ServeError(.malformedJSON(line: line, column: column, offset: at, problem: message, found: found))
    }
}
