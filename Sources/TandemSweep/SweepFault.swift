import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Test hook, set through `TANDEM_SWEEP_FAULT=kill-after:N`: the coordinator SIGKILLs itself
/// right after journaling the N-th trial end of its run (a crash for the resume tests). With
/// `TANDEM_FAULT_ONCE=FILE` it fires only while FILE does not exist, and creates it (so a sweep
/// relaunched by scripts/tandem-run runs clean). Unset in normal use.
enum SweepFault {
    static let killAfter: Int? = {
        guard let spec = ProcessInfo.processInfo.environment["TANDEM_SWEEP_FAULT"], spec.hasPrefix("kill-after:") else { return nil }
        return Int(spec.dropFirst("kill-after:".count))
    }()

    static func afterTrialEnded(count: Int) {
        guard let n = killAfter, count == n else { return }
        if let marker = ProcessInfo.processInfo.environment["TANDEM_FAULT_ONCE"] {
            guard !FileManager.default.fileExists(atPath: marker), FileManager.default.createFile(atPath: marker, contents: Data()) else { return }
        }
        kill(getpid(), SIGKILL)
    }
}
