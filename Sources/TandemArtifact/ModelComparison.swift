import TandemData
import TandemMetrics

/// Champion / challenger: two models evaluated on the same labelled data, and which one to
/// promote under one metric.
public struct ModelComparison: Sendable {
    /// The metric that decides.
    public var metric: String
    /// Whether larger or smaller `metric` is better.
    public var direction: MetricDirection
    /// Every metric of model A (the champion), in the task's order.
    public var a: [(String, Double)]
    /// Every metric of model B (the challenger).
    public var b: [(String, Double)]
    /// Number of labelled rows both were evaluated on.
    public var rows: Int

    /// The deciding metric of A and of B.
    public var values: (a: Double, b: Double) {
        (a.first { $0.0 == metric }?.1 ?? .nan, b.first { $0.0 == metric }?.1 ?? .nan)
    }

    /// True when B is strictly better than A under `metric` (a tie keeps the champion).
    public var promoteB: Bool { direction.isBetter(values.b, than: values.a) }

    /// How much better the promoted model is: `|B - A|` on `metric` (0 for a tie).
    public var margin: Double { abs(values.b - values.a) }

    /// Evaluates `a` and `b` on the labelled file `input` (each reads it with its own column
    /// kinds) and compares them under `metric` (default: accuracy for classification, r2 for
    /// regression). Throws `ArtifactError` when the models' tasks differ or the metric is not
    /// one of the task's (listing the valid ones) or has no value on this data (roc_auc outside
    /// a binary task), and the loading errors of `Predictor.load` / `Predictor.evaluate` for a
    /// missing feature or target column (naming it).
    public static func evaluate(_ a: Predictor, _ b: Predictor, input: String, metric: String? = nil) throws -> ModelComparison {
        let ma = a.artifact.manifest, mb = b.artifact.manifest
        guard ma.task == mb.task else {
            throw ArtifactError(.differentTasks(a: ma.name, taskA: ma.task.rawValue, b: mb.name, taskB: mb.task.rawValue))
        }
        guard ma.target == mb.target else {
            throw ArtifactError(.differentTargets(a: ma.name, targetA: ma.target, b: mb.name, targetB: mb.target))
        }
        let valid = ma.task == .classification ? MetricName.classification : MetricName.regression
        let name = metric ?? (ma.task == .classification ? "accuracy" : "r2")
        guard valid.contains(name), let direction = MetricName.direction(of: name) else {
            throw ArtifactError(.unknownMetric(metric: name, task: ma.task.rawValue, valid: valid))
        }
        let ta = try a.load(input)
        let tb = try b.load(input)
        let comparison = ModelComparison(metric: name, direction: direction, a: try a.evaluate(table: ta), b: try b.evaluate(table: tb), rows: ta.rowCount)
        for (label, scores) in [("A", comparison.a), ("B", comparison.b)] where !scores.contains(where: { $0.0 == name }) {
            throw ArtifactError(.metricUnavailable(metric: name, model: label, input: input, available: scores.map(\.0)))
        }
        return comparison
    }

    /// A side-by-side table (metric, A, B, B - A; the deciding metric marked with `*`) and the
    /// decision line, naming the models `nameA` and `nameB`.
    public func report(nameA: String, nameB: String) -> String {
        let names = a.map(\.0) + b.map(\.0).filter { n in !a.contains { $0.0 == n } }
        func value(_ list: [(String, Double)], _ n: String) -> Double? { list.first { $0.0 == n }?.1 }
        func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "-" }
        var rowsOut = [["metric", "A", "B", "B - A"]]
        for n in names {
            let va = value(a, n), vb = value(b, n)
            let diff = va.flatMap { x in vb.map { String(format: "%+.4f", $0 - x) } } ?? "-"
            rowsOut.append([n + (n == metric ? " *" : ""), f(va), f(vb), diff])
        }
        let widths = (0..<4).map { c in rowsOut.map { $0[c].count }.max() ?? 0 }
        var lines = ["A: \(nameA)", "B: \(nameB)", "\(rows) labelled rows; * = deciding metric (\(direction == .maximize ? "higher" : "lower") is better)"]
        for r in rowsOut {
            lines.append(r.enumerated().map { c, s in c == 0 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                                                             : String(repeating: " ", count: widths[c] - s.count) + s }.joined(separator: "  "))
        }
        let (va, vb) = values
        if promoteB {
            lines.append("promote B (\(nameB)): \(metric) \(f(vb)) vs \(f(va)), better by \(f(margin))")
        } else if va == vb {
            lines.append("keep A (\(nameA)): \(metric) ties at \(f(va)); B is not better")
        } else {
            lines.append("keep A (\(nameA)): \(metric) \(f(va)) vs \(f(vb)), better by \(f(margin))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
