import Foundation

/// Writes TensorBoard scalars to `events.out.tfevents.<unix seconds>.<host>` in a directory, so
/// `tensorboard --logdir runs/` shows them.
///
/// The first event carries `file_version: "brain.Event:2"` and is written at once; scalars are
/// buffered and reach the file on `flush()` (or when 64 KiB are pending, or on deinit). Not
/// thread-safe: use it from one thread (world rank 0's training loop).
public final class TensorBoardWriter {
    /// The event file being written.
    public let path: String
    private let handle: FileHandle
    private var pending = Data()
    private static let flushThreshold = 64 * 1024

    /// Creates `directory` if needed and a new event file in it named after the current time and
    /// `hostname` (default: this machine's). If that name exists (two writers in one second), a
    /// suffix `.1`, `.2`, ... keeps both. Throws `ReportError` naming the path when it cannot.
    public init(directory: String, hostname: String? = nil) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError(.fileSystem(.createEventDirectory, path: directory, detail: error.localizedDescription))
        }
        let host = TensorBoardWriter.sanitized(hostname ?? TensorBoardWriter.localHostname())
        let now = Date().timeIntervalSince1970
        let base = (directory as NSString).appendingPathComponent("events.out.tfevents.\(Int(now)).\(host)")
        var candidate = base
        var suffix = 0
        while fm.fileExists(atPath: candidate) {
            suffix += 1
            candidate = base + ".\(suffix)"
        }
        path = candidate
        guard fm.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw ReportError(.fileSystem(.createEventFile, path: path, detail: nil))
        }
        handle = h
        TFRecord.append(TensorBoardEvent(wallTime: now, step: 0, fileVersion: "brain.Event:2").encoded(), to: &pending)
        try flush()
    }

    deinit {
        try? flush()
        try? handle.close()
    }

    /// Records `value` of series `tag` (e.g. `validation/loss`) at `step`; `wallTime` defaults to
    /// now (seconds since 1970). TensorBoard stores the value as float32. Throws `ReportError`
    /// naming the file when a buffer flush fails.
    public func add(scalar tag: String, value: Double, step: Int, wallTime: Double? = nil) throws {
        try add(scalars: [(tag, value)], step: step, wallTime: wallTime)
    }

    /// Records several scalars at one `step` in a single event.
    public func add(scalars: [(tag: String, value: Double)], step: Int, wallTime: Double? = nil) throws {
        guard !scalars.isEmpty else { return }
        let event = TensorBoardEvent(wallTime: wallTime ?? Date().timeIntervalSince1970, step: Int64(step),
                                     scalars: scalars.map { .init(tag: $0.tag, value: Float($0.value)) })
        TFRecord.append(event.encoded(), to: &pending)
        if pending.count >= TensorBoardWriter.flushThreshold { try flush() }
    }

    /// Writes the buffered events to the file, so readers (TensorBoard) see them.
    public func flush() throws {
        guard !pending.isEmpty else { return }
        do {
            try handle.write(contentsOf: pending)
        } catch {
            throw ReportError(.fileSystem(.writeEventFile, path: path, detail: error.localizedDescription))
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// This machine's host name (from `gethostname`), or `localhost`.
    static func localHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// `name` with path separators and whitespace replaced by `_`.
    static func sanitized(_ name: String) -> String {
        let cleaned = String(name.map { $0 == "/" || $0.isWhitespace ? "_" : $0 })
        return cleaned.isEmpty ? "localhost" : cleaned
    }
}
