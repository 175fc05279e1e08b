import Foundation
import TandemMetrics

/// One line of `metrics.jsonl`: an evaluation of one split at one step.
public struct MetricsEntry: Sendable, Equatable {
    /// The optimizer step the evaluation followed.
    public let step: Int
    /// The epoch (1-based), or nil when the line has none.
    public let epoch: Int?
    /// Every numeric field but `step` and `epoch`: `loss`, metrics, `lr`, `samples_per_second`, ...
    /// (`null` values, i.e. non-finite numbers, are left out).
    public let values: [String: Double]

    /// An entry with the given fields.
    public init(step: Int, epoch: Int?, values: [String: Double]) {
        self.step = step
        self.epoch = epoch
        self.values = values
    }
}

/// `metrics.jsonl` as typed series: per split (`train`, `validation`, `test`), the entries in file order.
public struct MetricsLog: Sendable {
    /// Entries by split name.
    public let entries: [String: [MetricsEntry]]
    /// Split names in order of first appearance.
    public let splits: [String]

    /// The entries of `split` (empty when it has none).
    public func entries(of split: String) -> [MetricsEntry] { entries[split] ?? [] }

    /// (step, value) of `metric` for each entry of `split` that has it, in file order.
    public func series(_ split: String, _ metric: String) -> [(step: Int, value: Double)] {
        entries(of: split).compactMap { e in e.values[metric].map { (e.step, $0) } }
    }

    /// The last epoch any entry mentions.
    public var lastEpoch: Int? { entries.values.flatMap { $0.compactMap(\.epoch) }.max() }

    /// The last step any entry mentions.
    public var lastStep: Int? { entries.values.flatMap { $0.map(\.step) }.max() }

    /// Reads `path`; throws `ReportError` naming the file (and line) when it is missing or malformed.
    public static func load(path: String) throws -> MetricsLog {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReportError(.cannotRead(path: path)) }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    /// Parses the text of a `metrics.jsonl`: one JSON object per line with an integer `step`, a
    /// string `split` and numbers; blank lines are skipped. Errors read `SOURCE line N: ...`.
    public static func parse(_ text: String, source: String) throws -> MetricsLog {
        var entries: [String: [MetricsEntry]] = [:]
        var splits: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let place = "\(source) line \(index + 1)"
            guard let object = try? JSONReading.object(Data(line.utf8), source: place) else {
                let excerpt = line.count > 80 ? String(line.prefix(77)) + "..." : line
                throw ReportError(.metricsLine(source: source, line: index + 1, .notJSONObject(excerpt: excerpt)))
            }
            guard let step = object[member: "step"]?.intValue else { throw ReportError(.metricsLine(source: source, line: index + 1, .missingStep)) }
            guard let split = object[member: "split"]?.stringValue else { throw ReportError(.metricsLine(source: source, line: index + 1, .missingSplit)) }
            var values: [String: Double] = [:]
            for (key, value) in object.members ?? [] where key != "step" && key != "epoch" {
                if let d = value.doubleValue { values[key] = d }
            }
            if entries[split] == nil { splits.append(split) }
            entries[split, default: []].append(MetricsEntry(step: step, epoch: object[member: "epoch"]?.intValue, values: values))
        }
        return MetricsLog(entries: entries, splits: splits)
    }
}
