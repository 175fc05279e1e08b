/// Helpers that turn cell text into values the same way everywhere in TandemData.
public enum CellText {
    /// Cell texts (after trimming spaces and tabs) that mean "missing".
    public static let missingTokens: Set<String> = ["", "NA", "N/A", "n/a", "#N/A", "-", "NaN", "nan", "?", "null", "NULL", "None"]

    /// True if `text`, trimmed, is one of `missingTokens`.
    public static func isMissing(_ text: String) -> Bool { missingTokens.contains(trimmedCell(text)) }

    /// The number in `text` (spaces and tabs around it allowed), `.nan` for a missing token,
    /// or nil if it is neither. Accepts what `Double(String)` accepts, including `inf`.
    public static func number(_ text: String) -> Double? {
        let t = trimmedCell(text)
        if let x = Double(t) { return x }  // also covers "nan" and "NaN"
        return missingTokens.contains(t) ? .nan : nil
    }

    /// `value` as class or category text: integers without a decimal point (`3`, not `3.0`),
    /// other numbers as Swift prints them (`2.5`).
    public static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// `text` without leading and trailing spaces and tabs (fast path: returned as is when there are none).
func trimmedCell(_ text: String) -> String {
    let utf8 = text.utf8
    guard let first = utf8.first, let last = utf8.last else { return text }
    func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    if !isBlank(first) && !isBlank(last) { return text }
    guard let start = utf8.firstIndex(where: { !isBlank($0) }),
          let end = utf8.lastIndex(where: { !isBlank($0) }) else { return "" }
    return String(text[start...end])
}
