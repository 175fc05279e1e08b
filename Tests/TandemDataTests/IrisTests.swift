import Foundation
import Testing
import TandemData

@Suite struct IrisTests {
    /// `examples/data/iris.csv`, found from this source file so any checkout works.
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/data/iris.csv").path

    @Test func loadsAndPreparesIris() throws {
        let t = try Table.load(path: Self.path)
        #expect(t.rowCount == 150)
        #expect(t.names == ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
        #expect(t.columns.prefix(4).allSatisfy { $0.kind == .numeric })
        #expect(t.columns[4].kind == .categorical)

        let encoder = try TargetEncoder.fit(table: t, target: "species", task: .classification)
        #expect(encoder.classes == ["setosa", "versicolor", "virginica"])
        let labels = try encoder.encodeLabels(table: t, target: "species", rows: Array(0..<150))
        #expect((0..<3).map { c in labels.filter { $0 == c }.count } == [50, 50, 50])

        let split = try SplitIndices.make(count: 150, labels: labels, validation: 0.1, test: 0.2, method: .stratified, seed: 0)
        #expect(split.test.count == 30 && split.validation.count == 15 && split.train.count == 105)

        let features = Array(t.names.prefix(4))
        let p = try Preprocessor.fit(table: t, features: features, rows: split.train, options: PreprocessOptions())
        let x = try p.transform(table: t, rows: split.train)
        #expect(x.rows == 105 && x.cols == 4)
        #expect(x.values.allSatisfy { $0.isFinite })
    }
}
