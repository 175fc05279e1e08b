import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import TandemReport

@Suite struct RunReportTests {
    /// The report of `dir`, written and parsed as XML.
    func report(_ dir: String) throws -> (text: String, doc: XMLDocument) {
        let path = try RunReport.write(runDirectory: dir)
        #expect(path == (dir as NSString).appendingPathComponent("report.html"))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return (text, try parseXML(text))
    }

    func series(_ doc: XMLDocument, plot: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for e in try elements(doc, "//*[@id='plot-\(plot)']//*[@class='series']") {
            out[attribute(e, "data-series") ?? "?"] = Int(attribute(e, "data-points") ?? "")
        }
        return out
    }

    @Test func classificationReportIsWellFormedWithExpectedSeries() throws {
        let dir = try RunFixture.finishedClassification(in: try temporaryDirectory("report"))
        let (text, doc) = try report(dir)
        // One series per split, one point per evaluation of that split (6 train, 3 validation).
        #expect(try series(doc, plot: "loss") == ["train": 6, "validation": 3])
        #expect(try series(doc, plot: "metrics") == ["validation accuracy": 3, "validation f1": 3])
        #expect(try series(doc, plot: "lr").values.first == 6)
        #expect(try series(doc, plot: "throughput").values.first == 6)
        #expect(try series(doc, plot: "grad-norm").values.first == 6)
        #expect(try elements(doc, "//*[@id='plot-confusion']//*[@class='cell']").count == 9)
        let cellCounts = try elements(doc, "//*[@id='plot-confusion']//*[@class='cell']/*[local-name()='text']").compactMap(\.stringValue)
        #expect(cellCounts == ["5", "1", "0", "0", "4", "2", "1", "0", "7"])
        // Header, escaped labels, tables and config.
        #expect(try elements(doc, "//*[local-name()='h1']").first?.stringValue?.hasPrefix("fixture") == true)
        #expect(text.contains("&lt;fish &amp; chips&gt;"))
        #expect(text.contains("dp2 tp1 pp1 (world 2)"))
        #expect(text.contains("abc123"))
        let metricRows = try elements(doc, "//*[@data-table='final-metrics']//*[local-name()='tbody']/*[local-name()='tr']")
        #expect(metricRows.count == 6)
        #expect(try elements(doc, "//*[@data-table='per-class']//*[local-name()='tbody']/*[local-name()='tr']").count == 3)
        let pre = try elements(doc, "//*[local-name()='pre']").first?.stringValue ?? ""
        #expect(pre.contains("early_stopping:\n    metric: val_accuracy"))
    }

    @Test func reportIsSelfContained() throws {
        let dir = try RunFixture.finishedClassification(in: try temporaryDirectory("report"))
        let (text, doc) = try report(dir)
        #expect(try elements(doc, "//*[local-name()='script' or local-name()='link' or local-name()='img' or local-name()='iframe']").isEmpty)
        // The only URLs are the XHTML and SVG namespace names.
        #expect(!text.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("http"))
        #expect(!text.contains("@import") && !text.contains("url("))
    }

    @Test func regressionReportHasScatterWhenPredictionsExist() throws {
        let parent = try temporaryDirectory("report")
        let with = try RunFixture.finishedRegression(in: parent, name: "with", predictions: true)
        let (_, doc) = try report(with)
        #expect(try series(doc, plot: "loss") == ["train": 4, "validation": 4])
        #expect(try series(doc, plot: "r2").values.first == 4)
        #expect(try series(doc, plot: "mae").values.first == 4)
        #expect(try series(doc, plot: "predictions") == ["examples": 5])
        #expect(try elements(doc, "//*[@id='plot-confusion']").isEmpty)

        let without = try RunFixture.finishedRegression(in: parent, name: "without", predictions: false)
        let (text, doc2) = try report(without)
        #expect(try elements(doc2, "//*[@id='plot-predictions']").isEmpty)
        #expect(text.contains("no predictions.csv"))
    }

    @Test func badPredictionsAreShownNotFatal() throws {
        let dir = try RunFixture.finishedRegression(in: try temporaryDirectory("report"), predictions: false)
        try writeFile(dir, "predictions.csv", "actual,predicted\n1,2\n3,oops\n")
        let (text, _) = try report(dir)
        #expect(text.contains("predictions.csv line 3"))
    }

    @Test func unfinishedRunUsesTheLastEvaluations() throws {
        let dir = (try temporaryDirectory("report") as NSString).appendingPathComponent("partial")
        try writeFile(dir, "metrics.jsonl", RunFixture.classificationMetrics(epochs: 4).split(separator: "\n").dropLast().joined(separator: "\n"))
        try writeFile(dir, "checkpoints/step-40/manifest.json", "{}")
        let (text, doc) = try report(dir)
        #expect(try series(doc, plot: "loss") == ["train": 4, "validation": 2])
        #expect(text.contains(">stopped<"))
        #expect(text.contains("last evaluation of each split"))
        #expect(text.contains("No confusion matrix"))
    }

    @Test func badInputIsNamed() throws {
        let parent = try temporaryDirectory("report")
        let missing = (parent as NSString).appendingPathComponent("missing")
        #expect(throws: ReportError(.noSuchDirectory(missing))) { try RunReport.write(runDirectory: missing) }
        let notRun = (parent as NSString).appendingPathComponent("empty")
        try FileManager.default.createDirectory(atPath: notRun, withIntermediateDirectories: true)
        do {
            try RunReport.write(runDirectory: notRun)
            Issue.record("a directory without run files is not a run")
        } catch {
            #expect("\(error)".contains("\(notRun) is not a run directory"))
        }
        let noMetrics = (parent as NSString).appendingPathComponent("config-only")
        try writeFile(noMetrics, "config.yaml", "name: x\n")
        do {
            try RunReport.write(runDirectory: noMetrics)
            Issue.record("a run without metrics.jsonl has nothing to report")
        } catch {
            #expect("\(error)".contains("no metrics.jsonl"))
        }
        let broken = try RunFixture.finishedClassification(in: parent, name: "broken")
        try writeFile(broken, "metrics.jsonl", RunFixture.classificationMetrics(epochs: 2) + "{oops\n")
        do {
            try RunReport.write(runDirectory: broken)
            Issue.record("a malformed metrics.jsonl must be an error")
        } catch {
            #expect("\(error)".contains("broken/metrics.jsonl line 5"), "\(error)")
        }
    }
}
