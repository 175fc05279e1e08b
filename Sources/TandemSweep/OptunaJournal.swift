import Foundation
import TandemMetrics
#if canImport(Glibc)
import Glibc
#endif

/// `optuna.journal`: the sweep in Optuna's JournalFileStorage format, so `optuna-dashboard
/// optuna.journal` (or `optuna.storages.JournalStorage`) shows it. One JSON operation per line,
/// appended and fsynced right after the same events go to `sweep.jsonl`. It is derived from
/// `sweep.jsonl`: a resumed sweep rebuilds it from there (atomically) before appending, so the
/// two never disagree, even after a crash between the two appends.
public final class OptunaJournal {
    public let url: URL
    private let operations: OptunaOperations
    private var handle: FileHandle

    /// Writes `path` afresh: empty, or with the operations of every event already in the sweep
    /// journal `replaying` (a resumed sweep). Throws naming `path` when it cannot be written, before
    /// any trial starts.
    public init(path: String, config: SweepConfig, trials: [TrialSpec], replaying sweepJournal: String?) throws {
        url = URL(fileURLWithPath: path)
        operations = OptunaOperations(config: config, trials: trials)
        var text = ""
        if let sweepJournal, let data = FileManager.default.contents(atPath: sweepJournal) {
            for line in data.split(separator: UInt8(ascii: "\n")) {
                // Lines the coordinator dropped (a last line cut short by a crash) are skipped here too.
                guard let event = try? SweepEvent(line: Data(line)) else { continue }
                let time = (try? JSONValue.parse(Data(line)))?[member: "time"]?.doubleValue
                text += operations.lines(for: event, at: time.map { Date(timeIntervalSince1970: $0) } ?? Date()).joined()
            }
        }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.synchronize()
        } catch {
            throw SweepError(.cannotWrite(.writeOptunaJournal, path: path, detail: error.localizedDescription))
        }
    }

    deinit { try? handle.close() }

    /// Appends the operations of `events` and waits until they are on disk (fsync).
    public func append(_ events: [SweepEvent]) throws {
        let text = events.flatMap { operations.lines(for: $0, at: Date()) }.joined()
        guard !text.isEmpty else { return }
        do {
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        } catch {
            throw SweepError(.cannotWrite(.appendOptunaJournal, path: url.path, detail: error.localizedDescription))
        }
    }
}

/// How sweep events become Optuna journal operations (optuna/storages/journal/_storage.py):
/// the study is created with the sweep's direction; every trial is created `WAITING` with its
/// parameters and their distributions, set `RUNNING` when a group starts it, gets one
/// intermediate value per reported epoch, and ends `COMPLETE` (finished, with the metric),
/// `PRUNED` (stopped by ASHA, with its last value, as Optuna's own pruning records it) or `FAIL`.
/// Tandem's trial number is Optuna's trial number and id.
struct OptunaOperations {
    /// Optuna's `JournalOperation` codes.
    enum Op: Int { case createStudy = 0, setStudyUserAttr = 2, createTrial = 4, setTrialStateValues = 6, setTrialIntermediateValue = 7, setTrialUserAttr = 8 }
    /// Optuna's `TrialState` values.
    enum State: Int { case running = 0, complete = 1, pruned = 2, fail = 3, waiting = 4 }

    let config: SweepConfig
    let trials: [TrialSpec]
    static let worker = "tandem-sweep-coordinator"

    /// The journal lines (each ending in a newline) for `event`, stamped with `time`.
    func lines(for event: SweepEvent, at time: Date) -> [String] {
        let stamp = JSONValue.string(Self.isoTime(time))
        switch event {
        case .sweep(let strategy, let metric, _):
            let name = URL(fileURLWithPath: config.outputDir).lastPathComponent
            return [op(.createStudy, [("study_name", .string(name)), ("directions", .array([.int(config.mode == .maximize ? 2 : 1)]))]),
                    op(.setStudyUserAttr, [("study_id", .int(0)), ("user_attr", .object([("metric", .string(metric))]))]),
                    op(.setStudyUserAttr, [("study_id", .int(0)), ("user_attr", .object([("strategy", .string(strategy))]))])]
        case .created(let t, _, let seed, _):
            guard trials.indices.contains(t) else { return [] }
            var distributions: [(String, JSONValue)] = [], params: [(String, JSONValue)] = []
            for p in trials[t].params {
                guard let spec = config.space.params.first(where: { $0.key == p.key })?.spec,
                      let pair = Self.distribution(spec, value: p.value) else { continue }
                distributions.append((p.key, .string(pair.json.rendered)))
                params.append((p.key, pair.internal))
            }
            return [op(.createTrial, [("study_id", .int(0)), ("state", .int(State.waiting.rawValue)), ("datetime_start", .null),
                                      ("value", .null), ("values", .null), ("distributions", .object(distributions)), ("params", .object(params)),
                                      ("user_attrs", .object([("tandem_trial", .string(trials[t].name)), ("seed", .int(Int(seed)))])),
                                      ("system_attrs", .object([])), ("intermediate_values", .object([]))])]
        case .started(let t, _, let resume):
            // A restarted trial is already RUNNING (Optuna ignores RUNNING -> RUNNING anyway).
            return resume ? [] : [op(.setTrialStateValues, [("trial_id", .int(t)), ("state", .int(State.running.rawValue)), ("values", .null), ("datetime_start", stamp)])]
        case .reported(let t, let epoch, let value, _):
            guard let value, value.isFinite else { return [] }
            return [op(.setTrialIntermediateValue, [("trial_id", .int(t)), ("step", .int(epoch)), ("intermediate_value", .number(value))])]
        case .ended(let t, let o):
            var out: [String] = []
            if let error = o.error { out.append(op(.setTrialUserAttr, [("trial_id", .int(t)), ("user_attr", .object([("error", .string(error))]))])) }
            out.append(op(.setTrialUserAttr, [("trial_id", .int(t)), ("user_attr", .object([("epochs", .int(o.epochs))]))]))
            let value = o.metric.flatMap { $0.isFinite ? $0 : nil }
            let state: State = o.status == .failed || value == nil ? .fail : o.status == .stopped ? .pruned : .complete
            out.append(op(.setTrialStateValues, [("trial_id", .int(t)), ("state", .int(state.rawValue)),
                                                 ("values", state == .fail ? .null : .array([.number(value ?? 0)])), ("datetime_complete", stamp)]))
            return out
        }
    }

    private func op(_ code: Op, _ fields: [(String, JSONValue)]) -> String {
        JSONValue.object([("op_code", .int(code.rawValue)), ("worker_id", .string(Self.worker))] + fields).rendered + "\n"
    }

    /// Optuna's distribution JSON (`distribution_to_json`) for `spec`, and `value` in Optuna's
    /// internal representation (a float; for categorical ones the index of the choice). Lists and
    /// objects among the choices become their JSON text (Optuna's choices are scalars).
    static func distribution(_ spec: ParamSpec, value: JSONValue) -> (json: JSONValue, internal: JSONValue)? {
        func float(_ low: Double, _ high: Double, log: Bool, step: Double?) -> (json: JSONValue, internal: JSONValue)? {
            guard let x = value.doubleValue else { return nil }
            let attributes: JSONValue = .object([("low", .number(low)), ("high", .number(high)), ("log", .bool(log)), ("step", step.map(JSONValue.number) ?? .null)])
            return (.object([("name", "FloatDistribution"), ("attributes", attributes)]), .number(x))
        }
        switch spec {
        case .grid(let choices), .choice(let choices):
            guard let index = choices.firstIndex(where: { $0.rendered == value.rendered }) else { return nil }
            let scalars = choices.map { c -> JSONValue in
                switch c { case .array, .object: .string(c.rendered); default: c }
            }
            return (.object([("name", "CategoricalDistribution"), ("attributes", .object([("choices", .array(scalars))]))]), .int(index))
        case .uniform(let lo, let hi): return float(lo, hi, log: false, step: nil)
        case .loguniform(let lo, let hi): return float(lo, hi, log: true, step: nil)
        case .quniform(let lo, let hi, let step): return float(lo, hi, log: false, step: step)
        case .int(let lo, let hi):
            guard let x = value.doubleValue else { return nil }
            let attributes: JSONValue = .object([("low", .int(lo)), ("high", .int(hi)), ("log", .bool(false)), ("step", .int(1))])
            return (.object([("name", "IntDistribution"), ("attributes", attributes)]), .number(x))
        }
    }

    /// `2026-05-01T12:00:00.123456+00:00`, as Optuna writes datetimes (and Python's
    /// `datetime.fromisoformat` reads them on every version).
    static func isoTime(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var t = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let micro = min(999_999, Int(((seconds - seconds.rounded(.down)) * 1_000_000).rounded()))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), micro)
    }
}
