import Foundation

/// A one-line text progress bar: `epoch 3/30 [###...........]  loss 0.2134  ETA 0:00:12`.
///
/// `render` only formats; the caller prints it with a leading `\r` and no newline when
/// `ProgressBar.isTerminal`, and as plain lines otherwise (logs, CI).
public struct ProgressBar: Sendable {
    /// Characters between the brackets.
    public let width: Int

    /// A bar `width` characters wide (at least 1).
    public init(width: Int = 30) {
        self.width = max(width, 1)
    }

    /// `prefix [####......]  suffix` with `fraction` (clamped to 0...1; NaN counts as 0) of the
    /// bar filled with `#`. No trailing newline.
    public func render(fraction: Double, prefix: String, suffix: String) -> String {
        let f = fraction.isNaN ? 0 : min(max(fraction, 0), 1)
        let filled = min(Int((f * Double(width)).rounded(.down)), width)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let head = prefix.isEmpty ? "" : prefix + " "
        let tail = suffix.isEmpty ? "" : "  " + suffix
        return "\(head)[\(bar)]\(tail)"
    }

    /// `h:mm:ss` for `seconds` (`?` when negative or not finite), for the ETA in a suffix.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }

    /// Whether standard output is a terminal (`isatty(1)`).
    public static var isTerminal: Bool { isatty(1) != 0 }
}
