import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Test hook, set through `TANDEM_SWEEP_FAULT=kill-after:N`: the coordinator SIGKILLs itself
/// right after journaling the N-th trial end of its run (a crash for the resume tests). Unset
/// in normal use.
enum SweepFault {
    static let killAfter: Int? = {
        guard let spec = ProcessInfo.processInfo.environment["TANDEM_SWEEP_FAULT"], spec.hasPrefix("kill-after:") else { return nil }
        return Int(spec.dropFirst("kill-after:".count))
    }()

    static func afterTrialEnded(count: Int) {
        if let n = killAfter, count == n { kill(getpid(), SIGKILL) }
    }
}
