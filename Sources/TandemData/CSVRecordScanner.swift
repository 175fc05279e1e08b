/// The byte-level CSV state machine: yields one record at a time with each field as a byte
/// range (no `String` per field until asked for), under RFC 4180 quoting, CRLF/LF/CR line
/// breaks, a UTF-8 byte-order mark, blank lines skipped and UTF-8 checked. `CSVReader.parse`
/// reads through it, and streaming prediction uses it directly on large files.
///
/// The caller keeps `bytes` alive while the scanner is used.
public struct CSVRecordScanner {
    /// One field of the current record: `bytes[start..<end]` is its text, or for a quoted field
    /// the text between the quotes, where `""` still stands for `"` when `escaped`.
    public struct Field: Sendable {
        public var start: Int
        public var end: Int
        public var quoted: Bool
        public var escaped: Bool
    }

    private static let comma: UInt8 = 0x2C
    private static let quote: UInt8 = 0x22
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    /// The whole file.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// The file name used in errors.
    public let file: String
    private var pos = 0
    private var line = 1
    /// The fields of the current record.
    public private(set) var fields: [Field] = []
    /// The physical line where the current record starts.
    public private(set) var recordLine = 0
    /// The byte offset just past the current record (and its line break).
    public var position: Int { pos }

    /// A scanner at the start of `bytes` (after a UTF-8 byte-order mark, if any).
    public init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.bytes = bytes
        self.file = file
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { pos = 3 }
    }

    /// Moves to the next non-blank record; false at the end of the file. Throws `DataError` as
    /// `CSVReader.parse` does (unclosed quote, text after a closing quote, invalid UTF-8).
    public mutating func next() throws -> Bool {
        while pos < bytes.count, skipLineBreak() {}
        guard pos < bytes.count else { return false }
        recordLine = line
        fields.removeAll(keepingCapacity: true)
        while true {
            try field()
            if pos < bytes.count, bytes[pos] == Self.comma {
                pos += 1
                continue
            }
            _ = skipLineBreak()
            return true
        }
    }

    /// The text of field `i` of the current record, unescaped.
    public func text(_ i: Int) -> String {
        let f = fields[i]
        let raw = UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
        guard f.escaped else { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var k = 0
        while k < raw.count {
            out.append(raw[k])
            k += raw[k] == Self.quote ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The raw bytes of field `i` when they are its text (not an escaped quoted field).
    public func plainBytes(_ i: Int) -> UnsafeBufferPointer<UInt8>? {
        let f = fields[i]
        return f.escaped ? nil : UnsafeBufferPointer(rebasing: bytes[f.start..<f.end])
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

    /// Scans one field at `pos`; leaves `pos` on the comma, line break or end after it.
    private mutating func field() throws {
        if pos < bytes.count, bytes[pos] == Self.quote { return try quotedField() }
        let start = pos
        var nonASCII = false
        skipPlainBytes()
        while pos < bytes.count {
            let b = bytes[pos]
            if b == Self.comma || b == Self.lf || b == Self.cr { break }
            if b >= 0x80 { nonASCII = true }
            pos += 1
        }
        if nonASCII { try validateUTF8(start, pos, line: line) }
        fields.append(Field(start: start, end: pos, quoted: false, escaped: false))
    }

    /// Moves `pos` over whole 8-byte words holding no comma, line break or non-ASCII byte (SWAR:
    /// a zero byte of `word ^ repeated(c)` marks `c`), to the word where one might be; the byte
    /// loop of `field` then finds it exactly.
    @inline(__always)
    private mutating func skipPlainBytes() {
        guard let base = bytes.baseAddress else { return }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while pos + 8 <= bytes.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self))
            func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
            let special = zeroBytes(word ^ (ones &* UInt64(Self.comma))) | zeroBytes(word ^ (ones &* UInt64(Self.lf)))
                | zeroBytes(word ^ (ones &* UInt64(Self.cr))) | (word & highs)
            if special != 0 {
                pos += special.trailingZeroBitCount / 8
                return
            }
            pos += 8
        }
    }

    /// A field in double quotes: `""` is a literal quote; commas and line breaks are text.
    private mutating func quotedField() throws {
        let startLine = line
        pos += 1
        let start = pos
        var nonASCII = false
        var escaped = false
        while true {
            guard pos < bytes.count else {
                throw DataError(file: file, line: startLine,
                                message: "quoted field starting on this line is never closed (missing closing \")")
            }
            let b = bytes[pos]
            if b == Self.quote {
                if pos + 1 < bytes.count, bytes[pos + 1] == Self.quote {
                    escaped = true
                    pos += 2
                    continue
                }
                break
            }
            if b == Self.lf || (b == Self.cr && (pos + 1 == bytes.count || bytes[pos + 1] != Self.lf)) { line += 1 }
            if b >= 0x80 { nonASCII = true }
            pos += 1
        }
        let end = pos
        pos += 1
        if pos < bytes.count {
            let b = bytes[pos]
            guard b == Self.comma || b == Self.lf || b == Self.cr else {
                // A quote left open on an earlier line ends at the next quote; the fix belongs
                // where it opened, so that is the line reported.
                if startLine != line {
                    throw DataError(file: file, line: startLine,
                                    message: "a quoted field opens on this line and runs on to line \(line), where unexpected text follows its closing quote; is the closing \" missing on line \(startLine)?")
                }
                throw DataError(file: file, line: line,
                                message: "unexpected text after a closing quote (write a literal quote inside a quoted field as \"\")")
            }
        }
        if nonASCII { try validateUTF8(start, end, line: startLine) }
        fields.append(Field(start: start, end: end, quoted: true, escaped: escaped))
    }

    /// Throws a `DataError` at `line` if `bytes[start..<end]` is not valid UTF-8.
    private func validateUTF8(_ start: Int, _ end: Int, line: Int) throws {
        let failed = transcode(bytes[start..<end].makeIterator(), from: UTF8.self, to: UTF32.self,
                               stoppingOnError: true, into: { _ in })
        if failed {
            throw DataError(file: file, line: line, message: "invalid UTF-8 text; save the file with UTF-8 encoding")
        }
    }
}
