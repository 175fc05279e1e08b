/// The header dictionary of a `.npy` file, e.g.
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (150, 4), }`.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// A value in the header's Python literal syntax.
    private enum Value {
        case string(String)
        case bool(Bool)
        case tuple([Int])
    }

    /// Parses the Python dict literal `text`; throws `DataError` for `file` naming what is wrong.
    static func parse(_ text: String, file: String) throws -> NPYHeader {
        var parser = LiteralParser(bytes: Array(text.utf8))
        func fail(_ why: String) -> DataError {
            DataError(file: file, message: "malformed .npy header (\(why)): \(DataError.quoted(text))")
        }
        var entries: [String: Value] = [:]
        guard parser.take(UInt8(ascii: "{")) else { throw fail("expected '{'") }
        while !parser.take(UInt8(ascii: "}")) {
            guard let key = parser.string() else { throw fail("expected a quoted key") }
            guard parser.take(UInt8(ascii: ":")) else { throw fail("expected ':' after '\(key)'") }
            if let s = parser.string() {
                entries[key] = .string(s)
            } else if parser.word("True") {
                entries[key] = .bool(true)
            } else if parser.word("False") {
                entries[key] = .bool(false)
            } else if let t = parser.intTuple() {
                entries[key] = .tuple(t)
            } else {
                throw fail("unsupported value for '\(key)'")
            }
            if !parser.take(UInt8(ascii: ",")) {
                guard parser.take(UInt8(ascii: "}")) else { throw fail("expected ',' or '}'") }
                break
            }
        }
        guard case .string(let descr)? = entries["descr"] else { throw fail("no 'descr' string") }
        guard case .bool(let fortran)? = entries["fortran_order"] else { throw fail("no 'fortran_order' True/False") }
        guard case .tuple(let shape)? = entries["shape"] else { throw fail("no 'shape' tuple") }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }
}

/// A cursor over the ASCII of a Python literal, skipping whitespace before each token.
private struct LiteralParser {
    let bytes: [UInt8]
    var pos = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func skipSpace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x09 || bytes[pos] == 0x0D {
            pos += 1
        }
    }

    /// Consumes `byte` if it is next.
    mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard pos < bytes.count, bytes[pos] == byte else { return false }
        pos += 1
        return true
    }

    /// Consumes the keyword `w` if it is next.
    mutating func word(_ w: String) -> Bool {
        skipSpace()
        let target = Array(w.utf8)
        guard pos + target.count <= bytes.count, Array(bytes[pos..<(pos + target.count)]) == target else { return false }
        pos += target.count
        return true
    }

    /// A single- or double-quoted string without escapes, or nil (cursor unchanged).
    mutating func string() -> String? {
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "'") || bytes[pos] == UInt8(ascii: "\"") else { return nil }
        let q = bytes[pos]
        guard let end = bytes[(pos + 1)...].firstIndex(of: q) else { return nil }
        let s = String(decoding: bytes[(pos + 1)..<end], as: UTF8.self)
        pos = end + 1
        return s
    }

    /// A tuple of non-negative integers such as `()`, `(3,)` or `(150, 4)`, or nil.
    mutating func intTuple() -> [Int]? {
        guard take(UInt8(ascii: "(")) else { return nil }
        var out: [Int] = []
        while !take(UInt8(ascii: ")")) {
            skipSpace()
            var value = 0
            var digits = 0
            while pos < bytes.count, bytes[pos] >= 0x30, bytes[pos] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(bytes[pos] - 0x30))
                guard !o1, !o2 else { return nil }
                value = s
                digits += 1
                pos += 1
            }
            guard digits > 0 else { return nil }
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "L") { pos += 1 }  // Python 2 long suffix
            out.append(value)
            if !take(UInt8(ascii: ",")) {
                guard take(UInt8(ascii: ")")) else { return nil }
                break
            }
        }
        return out
    }
}
