import Testing
import TandemData

@Suite struct TargetEncoderTests {
    @Test func numericClassesSortNumericallyWithoutDecimalPoint() throws {
        let t = try makeTable("x,y\n1,10\n2,2\n3,3.0\n4,2\n5,NA\n")
        let enc = try TargetEncoder.fit(table: t, target: "y", task: .classification)
        #expect(enc.classes == ["2", "3", "10"])
        #expect(try enc.encodeLabels(table: t, target: "y", rows: [0, 1, 2, 3]) == [2, 0, 1, 0])
    }

    @Test func stringClassesSortLexicographically() throws {
        let t = try makeTable("y\nversicolor\nsetosa\nvirginica\nsetosa\n")
        let enc = try TargetEncoder.fit(table: t, target: "y", task: .classification)
        #expect(enc.classes == ["setosa", "versicolor", "virginica"])
        #expect(try enc.encodeLabels(table: t, target: "y", rows: [3, 2, 0]) == [0, 2, 1])
        #expect(enc.classIndex(of: "virginica") == 2)
    }

    @Test func forcedCategoricalNumbersSortNumerically() throws {
        let t = try makeTable("y\n10\n9\n1\n", kinds: ["y": .categorical])
        #expect(try TargetEncoder.fit(table: t, target: "y", task: .classification).classes == ["1", "9", "10"])
    }

    @Test func missingTargetNamesFileLineAndColumn() throws {
        let t = try makeTable("x,y\n1,a\n2,b\n3,\n")
        let enc = try TargetEncoder.fit(table: t, target: "y", task: .classification)
        let e = try #require(dataError { _ = try enc.encodeLabels(table: t, target: "y", rows: [0, 1, 2]) })
        #expect(e.file == "t.csv" && e.line == 4 && e.column == "y")
        #expect(e.message.contains("missing"))
    }

    @Test func unseenClassInAnotherFile() throws {
        let train = try makeTable("y\na\nb\n")
        let other = try makeTable("y\na\nc\n")
        let enc = try TargetEncoder.fit(table: train, target: "y", task: .classification)
        let e = dataError { _ = try enc.encodeLabels(table: other, target: "y", rows: [0, 1]) }
        #expect(e?.line == 3)
        #expect(e?.message.contains("unknown class \"c\"") == true)
    }

    @Test func unknownColumnListsColumns() throws {
        let t = try makeTable("a,b\n1,2\n3,4\n")
        let e = try #require(dataError { _ = try TargetEncoder.fit(table: t, target: "label", task: .classification) })
        #expect(e.column == "label")
        #expect(e.message.contains("a, b"))
    }

    @Test func fewerThanTwoClasses() throws {
        let t = try makeTable("y\nsame\nsame\nNA\n")
        let e = dataError { _ = try TargetEncoder.fit(table: t, target: "y", task: .classification) }
        #expect(e?.message.contains("at least 2") == true)
    }

    @Test func regressionValuesAndErrors() throws {
        let t = try makeTable("y\n1.5\n-2\nNA\n")
        let enc = try TargetEncoder.fit(table: t, target: "y", task: .regression)
        #expect(enc.classes.isEmpty)
        #expect(try enc.encodeValues(table: t, target: "y", rows: [1, 0]) == [-2, 1.5])
        let missing = dataError { _ = try enc.encodeValues(table: t, target: "y", rows: [2]) }
        #expect(missing?.line == 4 && missing?.column == "y")
        #expect(dataError { _ = try enc.encodeLabels(table: t, target: "y", rows: [0]) } != nil)

        let text = try makeTable("y\n1\n2\nbig\n")
        let bad = try #require(dataError { _ = try TargetEncoder.fit(table: text, target: "y", task: .regression) })
        #expect(bad.line == 4 && bad.column == "y")
        #expect(bad.message.contains("\"big\""))
    }
}
