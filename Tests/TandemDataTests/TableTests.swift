import Foundation
import Testing
import TandemData

@Suite struct TableTests {
    @Test func numericInferenceWithSpacesAndMissingTokens() throws {
        let t = try makeTable("x,y,z\n 1.5 ,a,NA\n2,b,\n?,c,None\nnan,d,null\n1e3,NULL,NaN\n")
        #expect(t.rowCount == 5)
        guard case .numeric(let x) = t.columns[0] else { Issue.record("x not numeric"); return }
        #expect(x[0] == 1.5)
        #expect(x[1] == 2)
        #expect(x[2].isNaN)
        #expect(x[3].isNaN)
        #expect(x[4] == 1000)
        #expect(t.columns[1] == .categorical(["a", "b", "c", "d", nil]))
        // every value missing: numeric
        guard case .numeric(let z) = t.columns[2] else { Issue.record("z not numeric"); return }
        let allMissing = z.allSatisfy { $0.isNaN }
        #expect(allMissing)
        #expect(t.lineNumbers == [2, 3, 4, 5, 6])
        #expect(t.index(of: "y") == 1)
        #expect(t.index(of: "w") == nil)
    }

    @Test func oneTextCellMakesColumnCategorical() throws {
        let t = try makeTable("v\n1\n2\nabc\n")
        #expect(t.columns[0] == .categorical(["1", "2", "abc"]))
    }

    @Test func forcedNumericReportsFileLineAndColumn() throws {
        let e = try #require(dataError { _ = try makeTable("id,age\n1,30\n2,\"4\n0\"\n3,abc\n", kinds: ["age": .numeric]) })
        #expect(e.file == "t.csv")
        #expect(e.line == 3)
        #expect(e.column == "age")
        #expect(e.message == "expected a number, found \"4\n0\"")
        let e2 = try #require(dataError { _ = try makeTable("id,age\n1,30\n3,abc\n", kinds: ["age": .numeric]) })
        #expect(e2.description == "t.csv:3: column 'age': expected a number, found \"abc\"")
    }

    @Test func forcedCategoricalKeepsNumberText() throws {
        let t = try makeTable("zip,n\n02139,1\n10001,2\nNA,3\n", kinds: ["zip": .categorical])
        #expect(t.columns[0] == .categorical(["02139", "10001", nil]))
        #expect(t.columns[1].kind == .numeric)
    }

    @Test func unknownKindNameListsColumns() throws {
        let e = try #require(dataError { _ = try makeTable("a,b\n1,2\n", kinds: ["c": .numeric]) })
        #expect(e.column == "c")
        #expect(e.message.contains("a, b"))
    }

    @Test func requireIndexListsColumns() throws {
        let t = try makeTable("a,b\n1,2\n")
        let e = try #require(dataError { _ = try t.requireIndex(of: "q", role: "target") })
        #expect(e.description == "t.csv: column 'q': target column not found; columns are: a, b")
    }

    @Test func loadMissingFileAndDirectory() throws {
        let missing = dataError { _ = try Table.load(path: "/nonexistent/dir/data.csv") }
        #expect(missing?.file == "/nonexistent/dir/data.csv")
        #expect(missing?.message == "no such file")
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let isDir = dataError { _ = try Table.load(path: dir.path) }
        #expect(isDir?.message.contains("directory") == true)
    }

    @Test func loadCSVFromDisk() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("d.csv").path
        try Data("a,b\n1,x\n2,y\n".utf8).write(to: URL(fileURLWithPath: path))
        let t = try Table.load(path: path)
        #expect(t.file == path)
        #expect(t.names == ["a", "b"])
        #expect(t.columns[0] == .numeric([1, 2]))
        #expect(t.kinds == ["a": .numeric, "b": .categorical])
    }

    @Test func loadNPYFeaturesWithTarget() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("x.npy").path
        let y = dir.appendingPathComponent("y.npy").path
        try npyBytes(descr: "<f4", shape: [3, 2], payload: float32Bytes([1, 2, 3, 4, 5, 6])).write(to: URL(fileURLWithPath: x))
        try npyBytes(descr: "<f8", shape: [3, 1], payload: float64Bytes([0, 1, 0])).write(to: URL(fileURLWithPath: y))
        let t = try Table.load(path: x, targetPath: y)
        #expect(t.names == ["x0", "x1", "target"])
        #expect(t.columns == [.numeric([1, 3, 5]), .numeric([2, 4, 6]), .numeric([0, 1, 0])])
        #expect(t.lineNumbers == [1, 2, 3])

        let short = dir.appendingPathComponent("short.npy").path
        try npyBytes(descr: "<f8", shape: [2], payload: float64Bytes([0, 1])).write(to: URL(fileURLWithPath: short))
        let e = try #require(dataError { _ = try Table.load(path: x, targetPath: short) })
        #expect(e.description.contains(x) && e.description.contains(short))
        #expect(e.message.contains("3 rows") && e.message.contains("has 2"))
    }

    @Test func targetPathWithCSVIsAnError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("d.csv").path
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(dataError { _ = try Table.load(path: path, targetPath: "y.npy") } != nil)
    }
}
