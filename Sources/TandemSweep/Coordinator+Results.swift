import Foundation
import TandemMetrics
import TandemTrain
import Yams

extension Coordinator {
    /// Rewrites results.csv, results.jsonl and best.json (and the best model) atomically.
    func writeResults(final: Bool) throws {
        let table = ResultsTable(config: config, state: state)
        try write("results.csv", Data(table.csv.utf8))
        try write("results.jsonl", Data(table.jsonLines.utf8))
        guard let b = state.best(mode: config.mode), b != bestShown || final else { return }
        bestShown = b
        let trial = state.trials[b], r = state.records[b]
        let job = try ConfigLoader.load(path: config.base, overrides: overrides(b))
        let resolved = try Yams.compose(yaml: ConfigLoader.yaml(job)).map { JSONValue(yaml: $0) } ?? .null
        let runDir = out.appendingPathComponent("trials").appendingPathComponent(trial.name)
        let best = JSONValue.object([
            ("trial", .int(b)), ("run", .string(runDir.path)), ("metric_name", .string(config.metric)),
            ("metric", r.metric.map(JSONValue.number) ?? .null), ("mode", .string(config.mode == .maximize ? "max" : "min")),
            ("params", trial.paramsJSON), ("seed", .int(Int(trial.seed))), ("epochs", .int(r.epochs)), ("status", .string(r.status.rawValue)),
            ("config", resolved), ("metrics", .object([("validation", .numbers(r.validation)), ("test", .numbers(r.test))])),
        ])
        try write("best.json", Data((best.renderedPretty() + "\n").utf8))
        let model = runDir.appendingPathComponent("model")
        let target = out.appendingPathComponent("model")
        let fm = FileManager.default
        guard fm.fileExists(atPath: model.path) else { return }
        do {
            let staging = out.appendingPathComponent(".model-\(getpid())")
            if fm.fileExists(atPath: staging.path) { try fm.removeItem(at: staging) }
            try fm.copyItem(at: model, to: staging)
            if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
            try fm.moveItem(at: staging, to: target)
        } catch {
            throw SweepError(.cannotWrite(.copyBestModel(target: target.path), path: model.path, detail: error.localizedDescription))
        }
    }

    func write(_ name: String, _ data: Data) throws {
        let url = out.appendingPathComponent(name)
        do { try data.write(to: url, options: .atomic) } catch {
            throw SweepError(.cannotWrite(.write, path: url.path, detail: error.localizedDescription))
        }
    }
}
