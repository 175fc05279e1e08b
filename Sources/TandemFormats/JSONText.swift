/// JSON string literals, shared by everything that writes JSON by hand (safetensors headers,
/// metrics lines) so key order and number formats stay under our control.
public enum JSONText {
    /// `s` as a quoted JSON string: `"`, `\` and every control character below U+0020 escaped
    /// (`\n`, `\r`, `\t`, `\b`, `\f` by name, the rest as `\u00XX`); everything else as UTF-8.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16, uppercase: false)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
