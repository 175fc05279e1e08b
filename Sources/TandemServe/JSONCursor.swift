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

    /// Reads a number (JSON grammar), correctly rounded to the nearest Double.
    /// Returns the value and its text span (for messages).
    mutating func number() throws(ServeError) -> (value: Double, start: Int, end: Int) {
        skipWhitespace()
        let start = position
        var i = position
        func digits() -> Int {
            let from = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - from
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intDigits = digits()
        guard intDigits > 0 else { throw malformed("expected a number") }
        if intDigits > 1, bytes[i - intDigits] == UInt8(ascii: "0") { throw malformed("a number may not start with 0") }
        var plainInteger = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            plainInteger = false
            guard digits() > 0 else { position = i; throw malformed("expected a digit after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            plainInteger = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { position = i; throw malformed("expected a digit in the exponent") }
        }
        position = i
        if plainInteger && intDigits <= 15 {  // exact in a Double: no string conversion
            var v: Int64 = 0
            for k in (i - intDigits)..<i { v = v * 10 + Int64(bytes[k] - UInt8(ascii: "0")) }
            return (Double(bytes[start] == UInt8(ascii: "-") ? -v : v), start, i)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let v = Double(text) else { throw malformed("not a number: \(text)") }
        return (v, start, i)
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
