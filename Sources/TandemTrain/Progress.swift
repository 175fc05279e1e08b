import Foundation

/// How rank 0 reports epochs: `bar` (in place, for terminals), `lines`, or `auto`: a bar when
/// standard output is a terminal and the process was not started by mpirun (OpenMPI gives ranks
/// a pseudo-terminal even when mpirun's own output goes to a file, so under mpirun the bar has
/// to be asked for with `--progress bar`).
public enum ProgressStyle: String, Sendable, CaseIterable {
    case auto, bar, lines

    /// The style every later epoch report uses (set once at start-up by the CLI).
    nonisolated(unsafe) public static var current = ProgressStyle.auto

    /// When true, training prints nothing on standard output (sweep trials: the sweep's
    /// coordinator prints a table of all trials instead); warnings still go to standard error.
    nonisolated(unsafe) public static var quiet = false
}

/// Formatting of rank 0's console lines (the epoch's progress bar is the recorder's, `RunRecorder.showEpoch`).
enum Progress {
    /// `h:mm:ss` for `seconds`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e15 else { return "?" }
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }

    /// `value` with 4 significant decimals, or an integer with thousands separators when large.
    static func number(_ value: Double) -> String {
        if !value.isFinite { return "\(value)" }
        if abs(value) >= 1e15 { return String(format: "%.4g", value) }
        if abs(value) >= 1000 { return grouped(Int(value.rounded())) }
        return String(format: "%.4f", value)
    }

    /// `12345678` -> `12,345,678`.
    static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `5,768 bytes`, `14.9 KiB`, `16.0 MiB`: a size for a log line.
    static func bytes(_ n: Int) -> String {
        if n < 10 * 1024 { return "\(grouped(n)) bytes" }
        return n < 1_048_576 ? String(format: "%.1f KiB", Double(n) / 1024) : String(format: "%.1f MiB", Double(n) / 1_048_576)
    }

    /// Prints `warning: message` to standard error (through `ConsoleOutput`: in order with the
    /// lines, and never blocking training).
    static func warn(_ message: String) {
        ConsoleOutput.shared.write("warning: \(message)\n", to: .error)
    }

    /// Prints `line` to standard output (through `ConsoleOutput`, written at once by its thread,
    /// so `mpirun` forwards it at once).
    static func say(_ line: String) {
        if ProgressStyle.quiet { return }
        ConsoleOutput.shared.write(line + "\n")
    }
}
