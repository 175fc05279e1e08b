import Foundation
import TandemReport
import TandemTrain

/// Rank 0's per-epoch report on standard output, as `ProgressStyle.current` asks: an in-place
/// progress bar (rewritten each epoch, ended with a newline on the last one) or one plain line
/// per epoch (logs, CI). Nothing with `ProgressStyle.quiet`. Written through `ConsoleOutput`, so
/// a stalled standard output never stops training.
enum EpochProgress {
    static var useBar: Bool {
        switch ProgressStyle.current {
        case .bar: return true
        case .lines: return false
        case .auto: return ProgressBar.isTerminal && ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] == nil
        }
    }

    /// Shows `line` ("epoch 3/30  step ..."), `fraction` of the epochs done.
    static func show(_ line: String, fraction: Double, final: Bool) {
        if ProgressStyle.quiet { return }
        guard useBar else {
            ConsoleOutput.shared.write(line + "\n")
            return
        }
        // "epoch 3/30  step ...": the bar goes after the epoch counter.
        let head = line.split(separator: " ", maxSplits: 2).prefix(2).joined(separator: " ")
        let rest = line.dropFirst(head.count).trimmingCharacters(in: .whitespaces)
        let bar = ProgressBar(width: 24).render(fraction: fraction, prefix: head, suffix: rest)
        ConsoleOutput.shared.write("\r" + bar + "\u{1B}[K" + (final ? "\n" : ""))
    }
}
