import Foundation

/// Escaping and number formatting for the report's XHTML and SVG.
public enum Markup {
    /// `text` safe inside XML/HTML text and double- or single-quoted attributes: `& < > " '`
    /// become entities, and characters XML 1.0 forbids (control characters other than tab, line
    /// feed and carriage return) become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || (0xFFFE...0xFFFF).contains(v) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A coordinate with one decimal (`12.5`), for SVG attributes.
    static func coordinate(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }

    /// A metric value for tables: 4 decimals, grouped integers when large, `-` when missing.
    static func number(_ v: Double?) -> String {
        guard let v else { return "-" }
        guard v.isFinite else { return "\(v)" }
        if abs(v) >= 10_000 { return grouped(Int(v.rounded())) }
        return String(format: "%.4f", v)
    }

    /// `12345678` -> `12,345,678`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Approximate width in pixels of `text` at `fontSize` in a sans-serif font.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.6
    }
}
