extension CellText {
    /// Exact powers of ten for the fast decimal path (10^22 is the largest exact in a Double).
    private static let powersOfTen: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { acc, _ in acc * 10 } }

    /// `number(_:)` on a cell's UTF-8 bytes, with the same result for every input: plain decimals
    /// (`-12.5`, `3e-4`; at most 19 digits, mantissa below 2^53, exponent within ±22) are
    /// converted directly — one correctly rounded multiply or divide, so bit-identical to
    /// `Double(String)` — and anything else goes through `number(_:)` on the text.
    public static func number(bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        if let x = plainDecimal(bytes) { return x }
        return number(String(decoding: bytes, as: UTF8.self))
    }

    /// The value of a plain decimal (after trimming spaces and tabs), or nil for anything else.
    private static func plainDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0, end = b.count
        while i < end, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        while end > i, b[end - 1] == 0x20 || b[end - 1] == 0x09 { end -= 1 }
        guard i < end else { return nil }
        let negative = b[i] == 0x2D  // "-"
        if negative { i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, fraction = 0
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        let intStart = i
        while i < end, isDigit(b[i]) { mantissa = mantissa &* 10 &+ UInt64(b[i] - 0x30); digits += 1; i += 1 }
        guard i > intStart else { return nil }
        if i < end, b[i] == 0x2E {  // "."
            i += 1
            let fracStart = i
            while i < end, isDigit(b[i]) { mantissa = mantissa &* 10 &+ UInt64(b[i] - 0x30); digits += 1; fraction += 1; i += 1 }
            guard i > fracStart else { return nil }
        }
        var exponent = 0
        if i < end, b[i] == 0x65 || b[i] == 0x45 {  // "e" / "E"
            i += 1
            var expNegative = false
            if i < end, b[i] == 0x2D || b[i] == 0x2B { expNegative = b[i] == 0x2D; i += 1 }
            let expStart = i
            while i < end, isDigit(b[i]), i - expStart < 4 { exponent = exponent * 10 + Int(b[i] - 0x30); i += 1 }
            guard i > expStart else { return nil }
            if expNegative { exponent = -exponent }
        }
        guard i == end, digits <= 19, mantissa < (1 << 53) else { return nil }
        let e = exponent - fraction
        guard e >= -22 && e <= 22 else { return nil }
        let m = Double(mantissa)
        let x = e >= 0 ? m * powersOfTen[e] : m / powersOfTen[-e]
        return negative ? -x : x
    }
}
