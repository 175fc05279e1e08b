import Foundation
import Testing
import TestSupport
@testable import TandemTrain

/// `PreparedData.prepare` on the real iris table.
@Suite struct PreparedDataTests {
    static let irisYAML = """
    data:
      path: '\(Examples.iris)'
      target: species
      task: classification
      split: {validation: 0.2, test: 0.2, method: stratified, seed: 7}
      preprocess: {scale: standard}
    """

    func prepare(_ yaml: String = irisYAML, overrides: [String] = []) throws -> PreparedData {
        try PreparedData.prepare(parse(yaml, overrides: overrides).data)
    }

    @Test func irisSplitsIntoDisjointStratifiedParts() throws {
        let d = try prepare()
        #expect(d.train.count + d.validation.count + d.test.count == 150)
        #expect(d.validation.count == 30 && d.test.count == 30 && d.train.count == 90)
        let rows = d.train.sourceRows + d.validation.sourceRows + d.test.sourceRows
        #expect(rows.sorted() == Array(0..<150), "every row is in exactly one split")
        // Stratified: each class is equally represented in every split (50 rows per class).
        for split in [d.train, d.validation, d.test] {
            let perClass = (0..<3).map { c in split.labels.filter { $0 == c }.count }
            #expect(Set(perClass).count == 1, "\(perClass)")
        }
    }

    @Test func irisShapesAndLabels() throws {
        let d = try prepare()
        #expect(d.featureNames == ["sepal_length", "sepal_width", "petal_length", "petal_width"])
        #expect(d.classes == ["setosa", "versicolor", "virginica"])
        for split in [d.train, d.validation, d.test] {
            #expect(split.x.cols == 4)
            #expect(split.labels.count == split.count)
            #expect(split.targets.isEmpty)
            #expect(split.labels.allSatisfy { (0..<3).contains($0) })
            #expect(split.x.values.allSatisfy { $0.isFinite })
        }
        #expect(d.dataSHA256.count == 64)
        #expect(d.dataSHA256.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func labelsMatchTheSourceRows() throws {
        // iris.csv lists 50 setosa, then 50 versicolor, then 50 virginica.
        let d = try prepare()
        for split in [d.train, d.validation, d.test] {
            for (row, label) in zip(split.sourceRows, split.labels) { #expect(Int(label) == row / 50, "row \(row)") }
        }
    }

    @Test func trainColumnsAreStandardized() throws {
        let x = try prepare().train.x
        for c in 0..<x.cols {
            let column = (0..<x.rows).map { Double(x[$0, c]) }
            let mean = column.reduce(0, +) / Double(x.rows)
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.rows)
            expectClose(mean, 0, allowedError: 1e-4, "column \(c) mean")
            expectClose(variance.squareRoot(), 1, allowedError: 1e-4, "column \(c) std")
        }
    }

    @Test func preparationIsDeterministic() throws {
        let a = try prepare(), b = try prepare()
        for (s, t) in [(a.train, b.train), (a.validation, b.validation), (a.test, b.test)] {
            #expect(s.sourceRows == t.sourceRows)
            #expect(s.labels == t.labels)
            #expect(s.x == t.x)
        }
        #expect(a.dataSHA256 == b.dataSHA256)
    }

    @Test func seedChangesTheSplit() throws {
        let a = try prepare(), b = try prepare(overrides: ["data.split.seed=8"])
        #expect(a.validation.sourceRows != b.validation.sourceRows)
    }

    @Test func regressionOnIrisOneHotEncodesSpecies() throws {
        // Regression ignores `stratified` (falls back to random); species becomes 3 one-hot inputs.
        let d = try prepare(overrides: ["data.target=sepal_length", "data.task=regression"])
        #expect(d.classes == nil)
        #expect(d.train.x.cols == 6)
        #expect(d.train.labels.isEmpty)
        #expect(d.train.targets.count == d.train.count)
        #expect(d.train.count + d.validation.count + d.test.count == 150)
        #expect(d.train.targets.allSatisfy { (4...8).contains($0) }, "targets are raw sepal lengths, not scaled")
    }

    @Test func featureSubset() throws {
        let d = try prepare(overrides: ["data.features=[petal_length, petal_width]"])
        #expect(d.featureNames == ["petal_length", "petal_width"])
        #expect(d.train.x.cols == 2)
    }

    @Test(arguments: [("data.features=[species, petal_width]", "cannot also be a feature"),
                      ("data.features=[]", "no feature columns")])
    func badFeatureListsAreConfigErrors(_ override: String, _ fragment: String) throws {
        do {
            _ = try prepare(overrides: [override])
            Issue.record("\(override) was accepted")
        } catch let error as ConfigError {
            #expect(error.description.contains("data.features"), "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    @Test func missingTargetColumnIsAnError() throws {
        #expect(throws: (any Error).self) { try prepare(overrides: ["data.target=colour"]) }
    }
}
