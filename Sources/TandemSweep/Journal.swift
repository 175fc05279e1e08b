import Foundation
import TandemMetrics

/// `sweep.jsonl`: the sweep's events, one JSON object per line, each appended and fsynced
/// before the coordinator acts on it, so a crash never loses a decision that had effects.
public final class Journal {
    public let url: URL
    private let handle: FileHandle

    /// Opens `path` for appending, creating it (empty) when missing or when `truncate`.
    public init(path: String, truncate: Bool) throws {
        url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        if truncate || !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: Data()) else { throw SweepError(.cannotWrite(.createJournal, path: path, detail: nil)) }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            // A last line cut short by a crash (which `read` drops) is cut off here too, so the
            // next event starts on a line of its own instead of being glued to the fragment.
            let data = fm.contents(atPath: path) ?? Data()
            if let last = data.last, last != UInt8(ascii: "\n") {
                let keep = (data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? data.startIndex) - data.startIndex
                try handle.truncate(atOffset: UInt64(keep))
            }
            try handle.seekToEnd()
        } catch {
            throw SweepError(.cannotWrite(.openJournal, path: path, detail: error.localizedDescription))
        }
    }

    deinit { try? handle.close() }

    /// Appends `events` (one line each) and waits until they are on disk (fsync).
    public func append(_ events: [SweepEvent]) throws {
        guard !events.isEmpty else { return }
        let text = events.map { $0.json.rendered + "\n" }.joined()
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        } catch {
            throw SweepError(.cannotWrite(.appendJournal, path: url.path, detail: error.localizedDescription))
        }
    }

    /// The events in `path`. A last line cut short by a crash is dropped (with `warn`); any other
    /// line that does not parse is an error naming it.
    public static func read(path: String, warn: (String) -> Void = { _ in }) throws -> [SweepEvent] {
        guard let data = FileManager.default.contents(atPath: path) else { throw SweepError(.noJournal(path: path)) }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var events: [SweepEvent] = []
        for (i, line) in lines.enumerated() where !line.isEmpty {
            do {
                events.append(try SweepEvent(line: Data(line)))
            } catch {
                let last = i == lines.count - 1 || (i == lines.count - 2 && lines[lines.count - 1].isEmpty)
                let complete = data.last == UInt8(ascii: "\n")
                if last && !complete {
                    warn("\(path):\(i + 1): dropping a last line cut short by the crash")
                    continue
                }
                throw SweepError(.damagedJournal(path: path, line: i + 1, problem: "\(error)"))
            }
        }
        return events
    }
}
