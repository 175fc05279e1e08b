import Foundation
import TandemTensor

/// Per-rank timing of a parallel preparation's phases, for finding what makes one run slower
/// than another: for each phase its wall time, the process's CPU time (user and system, every
/// thread), minor page faults and involuntary context switches (time the rank was ready but
/// another process had its core). Each phase that ends in an exchange is followed by a
/// "… wait" phase: the wall time this rank spent waiting there for the others.
///
/// Off unless the environment sets `TANDEM_PREPARE_PHASES` (to anything); then every rank
/// writes one line to standard error at the end, `prepare phases rank R: phase wall/cpu s
/// (user+sys, faults, preempted), …`.
final class PreparationPhases {
    private struct Sample {
        var wall: ContinuousClock.Instant
        var user: Double
        var system: Double
        var faults: Int
        var preempted: Int

        static func now() -> Sample {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
            return Sample(wall: .now, user: seconds(usage.ru_utime), system: seconds(usage.ru_stime),
                          faults: Int(usage.ru_minflt), preempted: Int(usage.ru_nivcsw))
        }
    }

    let enabled: Bool
    private let rank: Int
    private var last: Sample
    private var phases: [String] = []

    init(rank: Int, enabled: Bool = ProcessInfo.processInfo.environment["TANDEM_PREPARE_PHASES"] != nil) {
        self.enabled = enabled
        self.rank = rank
        last = enabled ? Sample.now() : Sample(wall: .now, user: 0, system: 0, faults: 0, preempted: 0)
    }

    /// Ends the phase `name` (started at the previous mark or at `init`).
    func mark(_ name: String) {
        guard enabled else { return }
        let now = Sample.now()
        let wall = (now.wall - last.wall).seconds
        func f(_ x: Double) -> String { String(format: "%.2f", x) }
        let user = now.user - last.user, system = now.system - last.system
        phases.append("\(name) \(f(wall))/\(f(user + system)) s (\(f(user))+\(f(system)), \((now.faults - last.faults) / 1000)k faults, \(now.preempted - last.preempted) preempted)")
        last = now
    }

    /// Writes this rank's line to standard error (nothing when off).
    func report() {
        guard enabled, !phases.isEmpty else { return }
        FileHandle.standardError.write(Data("prepare phases rank \(rank): \(phases.joined(separator: "; "))\n".utf8))
        phases = []
    }
}
