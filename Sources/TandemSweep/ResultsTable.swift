import Foundation
import TandemMetrics

/// The sweep's results: `results.csv` and `results.jsonl` (one row per ended trial), and the
/// coordinator's console table of all trials.
public struct ResultsTable {
    public let config: SweepConfig
    public let state: SweepState

    public init(config: SweepConfig, state: SweepState) {
        self.config = config
        self.state = state
    }

    var ended: [Int] { state.records.indices.filter { state.records[$0].status.isDone } }

    /// Metric names over the ended trials' final `split` metrics, in order of first appearance.
    func metricNames(_ split: KeyPath<TrialRecord, [(String, Double)]>) -> [String] {
        var names: [String] = []
        for i in ended { for (n, _) in state.records[i][keyPath: split] where !names.contains(n) { names.append(n) } }
        return names
    }

    /// The JSON key and CSV column prefix of the test metrics, which say what they are for: the
    /// sweep chooses by validation only, and the test split is there to report on.
    public static let testKey = "test_not_used_for_selection"

    /// One JSON object per ended trial: trial, status, params, epochs, metric, wall_seconds, seed,
    /// error, every final `validation` metric, and the test metrics under `testKey`.
    public var jsonLines: String {
        ended.map { i in
            let r = state.records[i], t = state.trials[i]
            return JSONValue.object([
                ("trial", .int(i)), ("status", .string(r.status.rawValue)), ("params", t.paramsJSON), ("epochs", .int(r.epochs)),
                (config.metric, r.metric.map(JSONValue.number) ?? .null), ("wall_seconds", r.wallSeconds.map(JSONValue.number) ?? .null),
                ("seed", .int(Int(t.seed))), ("error", r.error.map(JSONValue.string) ?? .null),
                ("validation", .numbers(r.validation)), (Self.testKey, .numbers(r.test)),
            ]).rendered + "\n"
        }.joined()
    }

    /// The same rows as CSV, one column per parameter (values as JSON text), then `val_<m>` for
    /// every other validation metric and `test_not_used_for_selection.<m>` for every test metric.
    public var csv: String {
        let valNames = metricNames(\.validation).filter { "val_" + $0 != config.metric }, testNames = metricNames(\.test)
        let header = ["trial", "status"] + config.space.params.map(\.key) + ["epochs", config.metric, "wall_seconds", "seed", "error"]
            + valNames.map { "val_" + $0 } + testNames.map { "\(Self.testKey).\($0)" }
        var lines = [header.map(Self.quote).joined(separator: ",")]
        func value(_ metrics: [(String, Double)], _ name: String) -> String { metrics.first { $0.0 == name }.map { "\($0.1)" } ?? "" }
        for i in ended {
            let r = state.records[i], t = state.trials[i]
            let params = t.params.map { p -> String in if case .string(let s) = p.value { return s }; return p.value.rendered }
            let row = ["\(i)", r.status.rawValue] + params
                + ["\(r.epochs)", r.metric.map { "\($0)" } ?? "", r.wallSeconds.map { String(format: "%.3f", $0) } ?? "", "\(t.seed)", r.error ?? ""]
                + valNames.map { value(r.validation, $0) } + testNames.map { value(r.test, $0) }
            lines.append(row.map(Self.quote).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 quoting when a field holds a comma, quote or line break.
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The console table: trial, params, status, epoch, metric, and the best so far.
    public var text: String {
        let best = state.best(mode: config.mode)
        var rows: [[String]] = [["trial", "params", "status", "epoch", config.metric, "best"]]
        for (i, r) in state.records.enumerated() {
            let status = r.status == .running ? "running (group \(r.group ?? 0))" : r.status.rawValue
            rows.append([state.trials[i].name, state.trials[i].shortParams, status, r.epochs > 0 ? "\(r.epochs)" : "",
                         r.metric.map { String(format: "%.4f", $0) } ?? "", i == best ? "*" : ""])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// Counts by status, e.g. `12 finished, 3 stopped, 1 failed, 0 running, 4 pending`.
    public var counts: String {
        let all: [TrialStatus] = [.finished, .stopped, .failed, .running, .pending]
        return all.map { s in "\(state.records.filter { $0.status == s }.count) \(s.rawValue)" }.joined(separator: ", ")
    }
}
