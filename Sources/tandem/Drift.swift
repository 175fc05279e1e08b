import ArgumentParser
import Foundation
import TandemArtifact
import TandemData
import TandemMetrics

/// `tandem drift MODEL --input CSV`: has the input distribution moved since training?
struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare new inputs with a model's training distribution (PSI and KS per feature).",
        discussion: "Per feature: the population stability index (PSI) over the training histogram's bins and, for numeric features, the two-sample Kolmogorov-Smirnov statistic. Verdicts: stable (PSI < 0.1), moderate (< 0.25), shifted (>= 0.25). Exit code 0 unless there is an error (1), or, with --fail-on, 3 when a feature's verdict is at least that severe."
    )

    @Argument(help: "Model directory (from tandem export, or RUN/model, or a run directory).") var model: String
    @Option(help: "CSV or .npy with the model's feature columns (a target column is ignored).") var input: String
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Option(help: "Exit with code 3 when any feature is at least this drifted: moderate or shifted.") var failOn: DriftVerdict?

    func validate() throws {
        if failOn == .stable { throw ValidationError("--fail-on stable would always fail; use moderate or shifted") }
    }

    func run() throws {
        let dir = ModelPath.resolve(model)
        let predictor = try Predictor(ModelArtifact.load(dir))
        guard let reference = predictor.artifact.manifest.drift else {
            throw ArtifactError(.noHistograms(directory: dir))
        }
        let table = try predictor.load(input)
        let results = try reference.compare(table: table, rows: Array(0..<table.rowCount))
        let sorted = results.sorted { $0.psi != $1.psi ? $0.psi > $1.psi : $0.feature < $1.feature }
        let overall = results.map(\.verdict).max() ?? .stable
        if json {
            let features: [JSONValue] = sorted.map { d in
                .object([("feature", .string(d.feature)), ("kind", .string(d.kind.rawValue)), ("psi", .number(d.psi)),
                         ("ks", d.ks.map { .number($0) } ?? .null), ("verdict", .string(d.verdict.rawValue))])
            }
            print(JSONValue.object([("model", .string(dir)), ("input", .string(input)), ("rows", .int(table.rowCount)),
                                    ("reference_rows", .int(reference.rows)), ("overall", .string(overall.rawValue)),
                                    ("features", .array(features))]).renderedPretty())
        } else {
            print(Self.table(sorted, rows: table.rowCount, referenceRows: reference.rows, overall: overall))
        }
        if let failOn, overall >= failOn { throw ExitCode(3) }
    }

    /// The per-feature table, most drifted first, and the overall line.
    static func table(_ sorted: [FeatureDrift], rows: Int, referenceRows: Int, overall: DriftVerdict) -> String {
        var cells = [["feature", "kind", "PSI", "KS", "verdict"]]
        for d in sorted {
            cells.append([d.feature, d.kind.rawValue, String(format: "%.4f", d.psi), d.ks.map { String(format: "%.4f", $0) } ?? "-", d.verdict.rawValue])
        }
        let widths = (0..<5).map { c in cells.map { $0[c].count }.max() ?? 0 }
        var lines = cells.map { row in
            row.enumerated().map { c, s in (c == 2 || c == 3) ? String(repeating: " ", count: widths[c] - s.count) + s
                                                               : s.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        let count = { (v: DriftVerdict) in sorted.filter { $0.verdict == v }.count }
        let top = sorted.first.map { " (largest PSI \(String(format: "%.4f", $0.psi)) on \($0.feature))" } ?? ""
        lines.append("overall: \(overall.rawValue): \(count(.shifted)) shifted, \(count(.moderate)) moderate, \(count(.stable)) stable of \(sorted.count) features; \(rows) rows vs \(referenceRows) training rows\(top)")
        return lines.joined(separator: "\n")
    }
}

extension DriftVerdict: ExpressibleByArgument {}
