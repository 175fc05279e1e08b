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

    /// Creates (or reuses) `path`, removing a previous run's `summary.json`, `failure.json` and
    /// `metrics.jsonl` so a stale result cannot be mistaken for this run's. When resuming,
    /// `keepMetricsLines` keeps that many lines of metrics.jsonl (those written up to the
    /// checkpoint) instead.
    public init(path: String, keepMetricsLines: Int? = nil) throws {
        url = URL(fileURLWithPath: path, isDirectory: true)
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
            let m = url.appendingPathComponent("metrics.jsonl")
            var kept = Data()
            if let n = keepMetricsLines, n > 0, let old = fm.contents(atPath: m.path) {
                let lines = old.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).prefix(n)
                for l in lines { kept.append(contentsOf: l); kept.append(UInt8(ascii: "\n")) }
                metricsLines = lines.count
            }
            let events = (try? fm.contentsOfDirectory(atPath: url.path))?.filter { $0.hasPrefix("events.out.tfevents.") } ?? []
            // A resumed run keeps its event files (TensorBoard drops the repeated steps); a fresh one starts clean.
            let model = url.appendingPathComponent("model")
            if fm.fileExists(atPath: model.path) { try fm.removeItem(at: model) }
            for stale in ["summary.json", "failure.json", "metrics.jsonl", "params.safetensors", "predictions.csv", "report.html"]
                + (keepMetricsLines == nil ? events : []) {
                let f = url.appendingPathComponent(stale)
                if fm.fileExists(atPath: f.path) { try fm.removeItem(at: f) }
            }
            guard fm.createFile(atPath: m.path, contents: kept) else { throw RunDirectoryError("cannot create \(m.path)") }
            metrics = try FileHandle(forWritingTo: m)
            try metrics?.seekToEnd()
        } catch let e as RunDirectoryError {
            throw e
        } catch {
            throw RunDirectoryError("cannot prepare the run directory \(path): \(error.localizedDescription)")
        }
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
            throw RunDirectoryError("cannot write \(target.path): \(error.localizedDescription)")
        }
    }

    /// Appends one JSON object as a line to `metrics.jsonl`.
    public func appendMetrics(_ object: JSONValue) throws {
        guard let metrics else { return }
        do {
            try metrics.write(contentsOf: Data((object.rendered + "\n").utf8))
            metricsLines += 1
        } catch {
            throw RunDirectoryError("cannot append to \(url.appendingPathComponent("metrics.jsonl").path): \(error.localizedDescription)")
        }
    }

    /// Records why the run failed (best effort: never throws).
    public func recordFailure(rank: Int, message: String) {
        RunDirectory.recordFailure(in: url.path, rank: rank, message: message)
    }

    /// Writes `failure.json` into the run directory at `path` if it exists (best effort: never
    /// throws); for the error path, where the `RunDirectory` may never have been created.
    public static func recordFailure(in path: String, rank: Int, message: String) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let obj = JSONValue.object([("status", .string("failed")), ("rank", .int(rank)), ("error", .string(message))])
        try? Data((obj.renderedPretty() + "\n").utf8).write(to: URL(fileURLWithPath: path).appendingPathComponent("failure.json"),
                                                           options: .atomic)
    }
}

/// The run directory could not be created or written; names the path.
public struct RunDirectoryError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
