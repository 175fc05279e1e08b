import ArgumentParser
import Foundation
import TandemReport

/// `tandem report RUN_DIR`: one self-contained HTML file showing what a run did.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write RUN_DIR/report.html: curves, test evaluation, final metrics and config of a run.",
        discussion: """
        The report is one self-contained file (inline CSS and SVG, nothing fetched from elsewhere): the run's \
        status, task and layout; loss, validation metrics, learning rate, throughput and gradient norm against \
        the step; the test confusion matrix (classification) or predicted-vs-actual from predictions.csv \
        (regression); the final metrics per split; and the resolved config.
        """
    )

    @Argument(help: "Run directory (runs/NAME), holding at least metrics.jsonl.")
    var runDirectory: String

    @Option(name: .shortAndLong, help: "Where to write the report (default: RUN_DIR/report.html).")
    var output: String?

    func run() throws {
        let path = try RunReport.write(runDirectory: runDirectory, to: output)
        print("wrote \(path)")
    }
}
