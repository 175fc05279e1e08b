import Foundation
import Testing
@testable import TandemServe

/// `JSONCursor.number()` (C grammar scan and Clinger's fast path, text conversion otherwise)
/// against the plain Swift reader it replaced: the same double bit for bit, the same end, the
/// same error at the same place, for edge cases and about 450,000 random number texts.
@Suite struct JSONNumberTests {
    /// What a reader gave for a text: the value's bits and the end, or the error.
    enum Outcome: Equatable {
        case value(bits: UInt64, end: Int)
        case error(ServeError, position: Int)
    }

    static func read(_ text: String, reference: Bool) -> Outcome {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            var cursor = JSONCursor(raw)
            do throws(ServeError) {
                let n = reference ? try cursor.referenceNumber() : try cursor.number()
                return .value(bits: n.value.bitPattern, end: n.end)
            } catch {
                return .error(error, position: cursor.position)
            }
        }
    }

    static func check(_ text: String) {
        let fast = read(text, reference: false), slow = read(text, reference: true)
        #expect(fast == slow, "\(text.debugDescription): \(fast) vs reference \(slow)")
    }

    @Test func edgeCasesMatchTheReference() {
        let texts = [
            "0", "-0", "0.0", "-0.0", "0e0", "-0e-0", "-0E+5", "0.000", "-0.000e-400", "0e400", "1", "-1", "15", "-7",
            "123456789012345", "1234567890123456", "-999999999999999", "9999999999999999", "9007199254740992",
            "9007199254740993", "9007199254740993.0", "9007199254740992.0", "18014398509481985.0",
            "12345678901234567890", "1234567890123456789.0", "123456789012345678901234567890", "0.1", "0.2", "0.3",
            "-0.1", "2.5", "25E-1", "0.000025e5", "1e22", "1e23", "1e-22", "1e-23", "9007199254740991e22",
            "9007199254740991e-22", "9007199254740993e-22", "4.9e-324", "5e-324", "2e-324", "2.4703282292062327e-324",
            "2.4703282292062328e-324", "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308",
            "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309", "-1e309", "1e99999999999",
            "1e-99999999999", "3.4028235e38", "3.4028236e38", "1.4e-45", "1.17549435e-38", "0.99202466",
            "6.8211804e-05", "123.0", "0.30000000000000004", "00", "01", "-01", "-00.5", "01.5", "-", "--1", "-a", "a",
            ".5", "1.", "1.e5", "1e", "1e+", "1E-", "1ee5", "1.5.5", "1e5e5", "", " ", "1,", "2]", "3}", "4 ", "-5\n",
            "16.0,", "0.0000000000000000000000000001", "100000000000000000000000", "1000000000000000000000.5",
            String(repeating: "9", count: 400), "0." + String(repeating: "0", count: 400) + "1",
            "1" + String(repeating: "0", count: 300) + "e-300", "1." + String(repeating: "0", count: 30) + "1",
        ]
        for t in texts { Self.check(t) }
    }

    /// Random texts in and around the grammar: signs, leading zeros, 0-25 integer and fraction
    /// digits, exponents of 0-12 digits with or without a sign, a following byte or none.
    @Test func randomTextsMatchTheReference() {
        var rng = SystemRandomNumberGenerator()
        var generator = Xorshift(seed: 0x5eed_1234)
        func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(generator.next() % 10)) }) }
        for _ in 0..<200_000 {
            var t = ""
            if generator.next() % 3 == 0 { t += "-" }
            let intLength = Int(generator.next() % 8 == 0 ? generator.next() % 26 : generator.next() % 5)
            t += generator.next() % 4 == 0 ? "0" + digits(intLength) : digits(intLength)
            if generator.next() % 3 != 0 { t += "." + digits(Int(generator.next() % 20 == 0 ? generator.next() % 26 : generator.next() % 9)) }
            if generator.next() % 3 == 0 {
                t += generator.next() % 2 == 0 ? "e" : "E"
                switch generator.next() % 3 { case 0: t += "-"; case 1: t += "+"; default: break }
                t += digits(Int(generator.next() % 16 == 0 ? generator.next() % 13 : generator.next() % 3))
            }
            t += ["", ",", "]", " ", "}", "x"][Int(generator.next() % 6)]
            Self.check(t)
        }
        // Doubles and floats as Swift prints them and with 17 significant digits, subnormals included.
        for _ in 0..<50_000 {
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            guard d.isFinite else { continue }
            Self.check(d.description)
            Self.check(String(format: "%.17g", d))
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            guard f.isFinite else { continue }
            Self.check(f.description)
            Self.check(String(format: "%.9g", Double(f)))
            Self.check(String(format: "%.6f", Double(f) / 1e6))
        }
    }

    /// A small deterministic generator (the texts of a failure can be reproduced).
    struct Xorshift {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }
}

extension JSONCursor {
    /// The reader `number()` replaced (Swift, byte by byte; plain integers of at most 15 digits
    /// summed exactly, every other number converted from its text), kept as the reference.
    mutating func referenceNumber() throws(ServeError) -> (value: Double, start: Int, end: Int) {
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
        if plainInteger && intDigits <= 15 {
            var v: Int64 = 0
            for k in (i - intDigits)..<i { v = v * 10 + Int64(bytes[k] - UInt8(ascii: "0")) }
            return (Double(bytes[start] == UInt8(ascii: "-") ? -v : v), start, i)
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let v = Double(text) else { throw malformed("not a number: \(text)") }
        return (v, start, i)
    }
}
