import CKernels

/// A `Float` as text, exactly what `description` (and `"\(x)"`) prints: the shortest decimal that
/// reads back to the same value, `0.99202466`, `6.8211804e-05`, `123.0`. Written straight into a
/// byte buffer without building a `String`, for the numbers of prediction output (`tandem serve`
/// responses, `tandem predict` CSV). Values 2^-40 <= |x| < 2^24 take a C fast path
/// (`tandem_float_text`), the rest `description`; FloatTextTests compare both with `description`.
public enum FloatText {
    /// The most bytes `write` produces (`-1.1754944e-38`).
    public static let maxLength = 16

    /// Writes the text of `x` at `out`, which has room for `maxLength` bytes; returns the byte count.
    public static func write(_ x: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let n = Int(out.withMemoryRebound(to: CChar.self, capacity: maxLength) { tandem_float_text(x, $0) })
        return n > 0 ? n : slow(x, to: out)
    }

    /// `description`'s bytes at `out`.
    private static func slow(_ x: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var text = x.description
        return text.withUTF8 { bytes in
            let n = min(bytes.count, maxLength)
            if let base = bytes.baseAddress { out.update(from: base, count: n) }
            return n
        }
    }

    /// Appends the text of `x` to `bytes`.
    public static func append(_ x: Float, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buffer in
            guard let base = buffer.baseAddress else { return }
            bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: write(x, to: base)))
        }
    }
}
