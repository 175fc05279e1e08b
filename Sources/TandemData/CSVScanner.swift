/// The byte-level state machine behind `CSVReader`: splits a buffer into records of fields.
///
/// Works on `UnsafeBufferPointer<UInt8>` and creates one `String` per field; fields that contain
/// non-ASCII bytes are validated as UTF-8 first.
struct CSVScanner {
    private static let comma: UInt8 = 0x2C
    private static let quote: UInt8 = 0x22
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    private var pos = 0
    private var line = 1
    /// Reused buffer for quoted fields that need unescaping.
    private var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.bytes = bytes
        self.file = file
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { pos = 3 }
    }

    /// All non-blank records with the physical line each starts on.
    mutating func records() throws -> [(fields: [String], line: Int)] {
        var out: [(fields: [String], line: Int)] = []
        var width = 0
        while pos < bytes.count {
            if skipLineBreak() { continue }  // a completely empty line
            let start = line
            var fields: [String] = []
            fields.reserveCapacity(width)
            while true {
                fields.append(try field())
                if pos < bytes.count, bytes[pos] == Self.comma {
                    pos += 1
                    continue
                }
                _ = skipLineBreak()
                break
            }
            width = fields.count
            out.append((fields, start))
        }
        return out
    }

    /// Consumes CRLF, LF or a lone CR at `pos`, counting the line; false if none is there.
    private mutating func skipLineBreak() -> Bool {
        guard pos < bytes.count else { return false }
        if bytes[pos] == Self.lf {
            pos += 1
        } else if bytes[pos] == Self.cr {
            pos += 1
            if pos < bytes.count, bytes[pos] == Self.lf { pos += 1 }
        } else {
            return false
        }
        line += 1
        return true
    }

    /// One field starting at `pos`; leaves `pos` on the comma, line break or end after it.
    private mutating func field() throws -> String {
        if pos < bytes.count, bytes[pos] == Self.quote { return try quotedField() }
        let start = pos
        var nonASCII = false
        while pos < bytes.count {
            let b = bytes[pos]
            if b == Self.comma || b == Self.lf || b == Self.cr { break }
            if b >= 0x80 { nonASCII = true }
            pos += 1
        }
        return try string(UnsafeBufferPointer(rebasing: bytes[start..<pos]), nonASCII: nonASCII, line: line)
    }

    /// A field in double quotes: `""` is a literal quote; commas and line breaks are text.
    private mutating func quotedField() throws -> String {
        let startLine = line
        pos += 1
        scratch.removeAll(keepingCapacity: true)
        var nonASCII = false
        while true {
            guard pos < bytes.count else {
                throw DataError(file: file, line: startLine,
                                message: "quoted field starting on this line is never closed (missing closing \")")
            }
            let b = bytes[pos]
            if b == Self.quote {
                if pos + 1 < bytes.count, bytes[pos + 1] == Self.quote {
                    scratch.append(Self.quote)
                    pos += 2
                    continue
                }
                pos += 1
                break
            }
            if b == Self.lf || (b == Self.cr && (pos + 1 == bytes.count || bytes[pos + 1] != Self.lf)) { line += 1 }
            if b >= 0x80 { nonASCII = true }
            scratch.append(b)
            pos += 1
        }
        if pos < bytes.count {
            let b = bytes[pos]
            guard b == Self.comma || b == Self.lf || b == Self.cr else {
                throw DataError(file: file, line: line,
                                message: "unexpected text after a closing quote (write a literal quote inside a quoted field as \"\")")
            }
        }
        let text = scratch
        return try text.withUnsafeBufferPointer { try string($0, nonASCII: nonASCII, line: startLine) }
    }

    /// Decodes `field` as UTF-8, throwing a `DataError` at `line` if it is not valid.
    private func string(_ field: UnsafeBufferPointer<UInt8>, nonASCII: Bool, line: Int) throws -> String {
        if nonASCII {
            let failed = transcode(field.makeIterator(), from: UTF8.self, to: UTF32.self,
                                   stoppingOnError: true, into: { _ in })
            if failed {
                throw DataError(file: file, line: line, message: "invalid UTF-8 text; save the file with UTF-8 encoding")
            }
        }
        return String(decoding: field, as: UTF8.self)
    }
}
