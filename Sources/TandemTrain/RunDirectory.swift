import Foundation
import TandemMetrics
import TandemTensor

/// The run directory that world rank 0 writes (DESIGN.md "Output layout of a run"):
/// `config.yaml`, `metrics.jsonl`, `summary.json`, `params.safetensors`, and `failure.json` when
/// the job failed. `summary.json` is written last, atomically: a run directory without it is
/// not a finished run.
public final class RunDirectory {
    public let url: URL
    private var metrics: FileHandle?
    /// Lines in metrics.jsonl so far.
    public private(set) var metricsLines = 0

    /// Claims `path` (see `OwnedDirectory`) and removes a previous run's results there, so a
    /// stale result cannot be mistaken for this run's. A fresh run (`keepMetricsLines` nil)
    /// replaces everything a run writes; a resumed run keeps its checkpoints, event files and
    /// the first `keepMetricsLines` lines of metrics.jsonl (those written up to the checkpoint).
    /// Only files Tandem wrote are ever removed: anything else in the way is an
    /// `OutputDirectoryError` naming it. `key` names where the path came from in errors.
    public init(path: String, keepMetricsLines: Int? = nil, key: String = "output.dir") throws {
        let owned = try OwnedDirectory(validating: path, key: key)
        url = owned.url
        let fm = FileManager.default
        let m = url.appendingPathComponent("metrics.jsonl")
        do {
            if let n = keepMetricsLines {
                // Resuming from a checkpoint that verified: the directory is a Tandem run.
                var kept = Data()
                if n > 0, let old = fm.contents(atPath: m.path) {
                    let lines = old.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).prefix(n)
                    for l in lines { kept.append(contentsOf: l); kept.append(UInt8(ascii: "\n")) }
                    metricsLines = lines.count
                }
                try owned.claim(OwnedEntries.run, trusted: true)
                try owned.remove(OwnedEntries.runResults + [.file("metrics.jsonl")])
                guard fm.createFile(atPath: m.path, contents: kept) else { throw RunDirectoryError(.cannotCreate(path: m.path)) }
            } else {
                try owned.claim(OwnedEntries.run)
                try owned.remove(OwnedEntries.run)
                guard fm.createFile(atPath: m.path, contents: Data()) else { throw RunDirectoryError(.cannotCreate(path: m.path)) }
            }
            metrics = try FileHandle(forWritingTo: m)
            try metrics?.seekToEnd()
        } catch let e as RunDirectoryError {
            throw e
        } catch let e as OutputDirectoryError {
            throw e
        } catch {
            throw RunDirectoryError(.cannotPrepare(path: path, detail: error.localizedDescription))
        }
        FailureRecords.shared.claimed(url.path)
    }

    deinit { try? metrics?.close() }

    /// Writes `text` to `name` inside the run directory atomically (temporary file, then rename).
    public func write(_ name: String, _ text: String) throws {
        try write(name, Data(text.utf8))
    }

    /// Writes `data` to `name` atomically.
    public func write(_ name: String, _ data: Data) throws {
        let target = url.appendingPathComponent(name)
        do {
            try data.write(to: target, options: .atomic)
        } catch {
            throw RunDirectoryError(.cannotWrite(path: target.path, detail: error.localizedDescription))
        }
    }

    /// Appends one JSON object as a line to `metrics.jsonl`.
    public func appendMetrics(_ object: JSONValue) throws {
        guard let metrics else { return }
        do {
            try metrics.write(contentsOf: Data((object.rendered + "\n").utf8))
            metricsLines += 1
        } catch {
            throw RunDirectoryError(.cannotAppend(path: url.appendingPathComponent("metrics.jsonl").path, detail: error.localizedDescription))
        }
    }

    /// Records why the run failed (best effort: never throws).
    public func recordFailure(rank: Int, message: String) {
        RunDirectory.recordFailure(in: url.path, rank: rank, message: message)
    }

    /// Writes `slurm.json` (the `slurm` object of summary.json) when the run starts under Slurm,
    /// so `tandem runs` shows the job of a running, failed or stopped run too; outside Slurm
    /// removes the one an earlier start under Slurm left, which would name the wrong job.
    public static func recordSlurm(_ run: RunDirectory?, _ slurm: SlurmEnvironment?) throws {
        guard let run else { return }
        if let slurm {
            try run.write("slurm.json", slurm.json.renderedPretty() + "\n")
        } else {
            try? FileManager.default.removeItem(at: run.url.appendingPathComponent("slurm.json"))
        }
    }

    /// Writes `failure.json` into the run directory at `path` (best effort: never throws), but
    /// only when this process claimed that directory for a run (`RunDirectory.init` succeeded):
    /// a job that fails before claiming it leaves a previous run's directory as it was.
    public static func recordFailure(in path: String, rank: Int, message: String) {
        guard FailureRecords.shared.isClaimed(path), FileManager.default.fileExists(atPath: path) else { return }
        let obj = JSONValue.object([("status", .string("failed")), ("rank", .int(rank)), ("error", .string(message))])
        try? Data((obj.renderedPretty() + "\n").utf8).write(to: URL(fileURLWithPath: path).appendingPathComponent("failure.json"),
                                                           options: .atomic)
    }
}

/// The run directories this process claimed, where a failure may be recorded.
final class FailureRecords: @unchecked Sendable {
    static let shared = FailureRecords()
    private let lock = NSLock()
    private var paths = Set<String>()

    private static func key(_ path: String) -> String { URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL.path }

    func claimed(_ path: String) {
        lock.lock(); defer { lock.unlock() }
        paths.insert(Self.key(path))
    }

    func isClaimed(_ path: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return paths.contains(Self.key(path))
    }
}
