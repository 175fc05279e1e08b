import Foundation
import TandemMetrics
import TandemTensor
import TandemTrain
import Yams

/// Which trials a sweep runs and how it ends them.
public enum StrategyKind: String, Sendable, CaseIterable {
    /// Every point of the cross product once.
    case grid
    /// `trials` draws, reproducible from the seed, each trained to the end.
    case random
    /// The random draws, stopped early by asynchronous successive halving.
    case asha
}

/// `search.asha:` — the rungs of asynchronous successive halving.
public struct ASHAConfig: Equatable, Sendable {
    /// The first rung, in epochs.
    public var minEpochs: Int
    /// Epochs of a trial that is never stopped (its `train.epochs`).
    public var maxEpochs: Int
    /// Rungs are at minEpochs * reduction^k; the top 1/reduction of a rung go on.
    public var reduction: Int

    public init(minEpochs: Int, maxEpochs: Int, reduction: Int) {
        self.minEpochs = minEpochs
        self.maxEpochs = maxEpochs
        self.reduction = reduction
    }
}

/// A sweep config (YAML or JSON): the base training config, the search space and strategy, and
/// where results go. See README "Sweeps".
public struct SweepConfig: Sendable {
    /// The sweep config file.
    public var source: String
    /// The training config every trial starts from (resolved to an existing file).
    public var base: String
    public var strategy: StrategyKind
    /// Random draws (random, asha); each is crossed with the `grid` keys.
    public var trials: Int
    /// `val_<metric>`, e.g. `val_accuracy`.
    public var metric: String
    /// Whether larger (max) or smaller (min) metric values are better.
    public var mode: MetricDirection
    /// Ranks per trial (data parallel inside the group).
    public var groupSize: Int
    public var seed: UInt64
    /// End the sweep with an error once more trials than this have failed (nil: never).
    public var maxFailures: Int?
    public var asha: ASHAConfig?
    public var space: SearchSpace
    /// The sweep's output directory.
    public var outputDir: String

    /// The metric's name inside the validation split (`accuracy` for `val_accuracy`).
    public var metricKey: String { String(metric.dropFirst("val_".count)) }

    /// Keys a sweep sets itself, so they may not be searched.
    static let reservedKeys = ["name", "output.dir", "output"]

    /// Loads and checks `path`. Throws a `SweepError` (or the base config's `ConfigError`)
    /// naming the file, line and key.
    public static func load(path: String) throws -> SweepConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw SweepError(.invalidConfig(place: path, problem: "no such sweep config file")) }
        guard let text = String(data: data, encoding: .utf8) else { throw SweepError(.invalidConfig(place: path, problem: "cannot read the file as UTF-8 text")) }
        return try parse(text, source: path)
    }

    /// Parses sweep config `text`; `source` names it in errors and locates a relative `base`.
    public static func parse(_ text: String, source: String) throws -> SweepConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw SweepError(.invalidConfig(place: source, problem: "the sweep config is empty")) }
            root = node
        } catch let e as SweepError { throw e } catch {
            throw SweepError(.invalidConfig(place: source, problem: "not valid YAML or JSON: \(error)"))
        }
        do { try YAMLBudget.check(root, source: source) } catch let e as ConfigError { throw SweepError(.configLimit(e)) }
        let top = try Section(root, path: "", source: source, allowed: ["base", "search", "output"])
        let search = try Section(top.required("search"), path: "search", source: source,
                                 allowed: ["strategy", "trials", "metric", "mode", "group_size", "seed", "max_failures", "asha", "params"])
        guard let baseText = try top.string("base") else { throw SweepError(.invalidConfig(place: source, problem: "'base' (the training config every trial starts from) is required")) }
        let base = resolve(baseText, nextTo: source)
        let job = try ConfigLoader.load(path: base)

        let strategyText = try search.string("strategy") ?? "random"
        guard let strategy = StrategyKind(rawValue: strategyText) else {
            throw SweepError(.invalidConfig(place: search.at("strategy"), problem: "'\(strategyText)' is not one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        let trials = try search.int("trials") ?? 10
        if trials < 1 { throw SweepError(.belowMinimum(place: search.at("trials"), value: trials, minimum: 1)) }
        let metric = try search.string("metric") ?? "val_loss"
        let names = job.data.task == .classification ? MetricName.classification : MetricName.regression
        guard metric.hasPrefix("val_"), names.contains(String(metric.dropFirst(4))) else {
            throw SweepError(.invalidConfig(place: search.at("metric"), problem: "'\(metric)' is not a validation metric of a \(job.data.task.rawValue) task; use one of \(names.map { "val_\($0)" }.joined(separator: ", "))"))
        }
        if job.data.split.validation <= 0 {
            throw SweepError(.invalidConfig(place: base, problem: "data.split.validation is 0, but the sweep compares trials on the validation split (\(metric))"))
        }
        let mode: MetricDirection
        switch try search.string("mode") {
        case nil: mode = MetricName.direction(of: String(metric.dropFirst(4))) ?? .minimize
        case "max": mode = .maximize
        case "min": mode = .minimize
        case let other?: throw SweepError(.invalidConfig(place: search.at("mode"), problem: "'\(other)' is not one of max, min"))
        }
        let groupSize = try search.int("group_size") ?? 1
        if groupSize < 1 { throw SweepError(.belowMinimum(place: search.at("group_size"), value: groupSize, minimum: 1)) }
        let seed = try search.int("seed") ?? 0
        if seed < 0 { throw SweepError(.belowMinimum(place: search.at("seed"), value: seed, minimum: 0)) }
        let maxFailures = try search.int("max_failures")
        if let m = maxFailures, m < 0 { throw SweepError(.belowMinimum(place: search.at("max_failures"), value: m, minimum: 0)) }

        var asha: ASHAConfig?
        if let node = search.node("asha") {
            guard strategy == .asha else { throw SweepError(.invalidConfig(place: search.at("asha"), problem: "asha settings need strategy: asha")) }
            let a = try Section(node, path: "search.asha", source: source, allowed: ["min_epochs", "max_epochs", "reduction"])
            asha = ASHAConfig(minEpochs: try a.int("min_epochs") ?? 1, maxEpochs: try a.int("max_epochs") ?? job.train.epochs,
                              reduction: try a.int("reduction") ?? 3)
        } else if strategy == .asha {
            asha = ASHAConfig(minEpochs: 1, maxEpochs: job.train.epochs, reduction: 3)
        }
        if let a = asha {
            guard a.minEpochs >= 1, a.maxEpochs >= a.minEpochs, a.reduction >= 2 else {
                throw SweepError(.invalidConfig(place: search.at("asha"), problem: "needs 1 <= min_epochs <= max_epochs and reduction >= 2; got min_epochs \(a.minEpochs), max_epochs \(a.maxEpochs), reduction \(a.reduction)"))
            }
        }

        guard let paramsNode = search.node("params"), let mapping = paramsNode.mapping, !mapping.isEmpty else {
            throw SweepError(.invalidConfig(place: search.at("params"), problem: "search.params must map config keys to specs, e.g. train.optimizer.lr: {loguniform: [0.0001, 0.1]}"))
        }
        var params: [(key: String, spec: ParamSpec)] = []
        for (k, v) in mapping {
            let key = k.string ?? "\(k)"
            let line = "\(source)\(k.mark.map { ":\($0.line)" } ?? "")"
            if params.contains(where: { $0.key == key }) { throw SweepError(.invalidConfig(place: line, problem: "search.params.\(key) appears twice")) }
            if reservedKeys.contains(key) { throw SweepError(.invalidConfig(place: line, problem: "search.params.\(key): the sweep sets \(key) itself (each trial writes to trials/<id>/)")) }
            if strategy == .asha && key == "train.epochs" { throw SweepError(.invalidConfig(place: line, problem: "search.params.train.epochs: ASHA sets the epochs itself (search.asha.max_epochs)")) }
            params.append((key, try ParamSpec(node: v, key: key, where: source)))
            try checkKey(key, line: line, base: base, value: params[params.count - 1].spec)
        }
        var output = "runs/" + URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        if let node = top.node("output") {
            let o = try Section(node, path: "output", source: source, allowed: ["dir"])
            guard let dir = try o.string("dir") else { throw SweepError(.invalidConfig(place: o.at("dir"), problem: "output.dir is required when 'output' is given")) }
            output = dir
        }
        return SweepConfig(source: source, base: base, strategy: strategy, trials: trials, metric: metric, mode: mode,
                           groupSize: groupSize, seed: UInt64(seed), maxFailures: maxFailures, asha: asha,
                           space: SearchSpace(params), outputDir: output)
    }

    /// `base` as given when that file exists (paths relative to the working directory, like the
    /// data paths inside training configs), else relative to the sweep config's directory.
    static func resolve(_ base: String, nextTo source: String) -> String {
        if base.hasPrefix("/") || FileManager.default.fileExists(atPath: base) { return base }
        let sibling = URL(fileURLWithPath: source).deletingLastPathComponent().appendingPathComponent(base).path
        return FileManager.default.fileExists(atPath: sibling) ? sibling : base
    }

    /// Throws when `key` is not a key of the training config (applying it as `--set` with one
    /// of its values reports an unknown key); a bad value is left to the trial that uses it.
    static func checkKey(_ key: String, line: String, base: String, value spec: ParamSpec) throws {
        var rng = RandomGenerator(seed: 0)
        let sample = spec.enumerated?.first ?? spec.sample(&rng)
        do {
            _ = try ConfigLoader.load(path: base, overrides: ["\(key)=\(sample.rendered)"])
        } catch let e as ConfigError where e.reason == .unknownKey {
            throw SweepError(.invalidConfig(place: line, problem: "search.params.\(key) is not a key of the training config \(base): \(e.description)"))
        } catch {
            // Value errors (e.g. a dropout of 1.5) fail only the trials that draw them.
        }
    }
}
