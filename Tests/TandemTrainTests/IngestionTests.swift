import Foundation
import Testing
import TandemData
@testable import TandemTrain

/// The checks between loading a table and encoding it.
@Suite struct IngestionTests {
    func table(_ text: String, kinds: [String: ColumnKind] = [:]) throws -> Table {
        try Table(csv: CSVReader.parse(Data(text.utf8), file: "t.csv"), file: "t.csv", kinds: kinds)
    }

    func config(_ extra: String = "") throws -> DataConfig {
        try parse("data:\n  path: t.csv\n  target: y\n  task: classification\n" + extra).data
    }

    /// `n` rows: an integer row number, a distinct text code, a feature and a two-class target.
    func rows(_ n: Int, a: (Int) -> String = { "\(Double($0 % 7) / 2)" }) -> String {
        "row,code,a,y\n" + (0..<n).map { "\($0 + 1),W-\(1000 + $0),\(a($0)),\($0 % 2 == 0 ? "p" : "q")" }.joined(separator: "\n") + "\n"
    }

    @Test func idLikeColumnsAreLeftOutWithAWarning() throws {
        let i = try Ingestion(config(), table: table(rows(30)))
        #expect(i.features == ["a"])
        #expect(i.schema.map(\.role) == ["id", "id", "feature", "target"])
        #expect(i.warnings.count == 2 && i.warnings[0].contains("'row'") && i.warnings[0].contains("consecutive integer sequence"), "\(i.warnings)")
        #expect(i.warnings[1].contains("'code'") && i.warnings[1].contains("all 30 values distinct"), "\(i.warnings)")
        // Listed in features, an ID column is used; data.exclude leaves it out silently.
        #expect(try Ingestion(config("  features: [row, a]"), table: table(rows(30))).features == ["row", "a"])
        let excluded = try Ingestion(config("  exclude: [row, code]"), table: table(rows(30)))
        #expect(excluded.features == ["a"] && excluded.warnings.isEmpty)
        // Small tables are not judged: 10 rows of distinct values are common.
        #expect(try Ingestion(config(), table: table(rows(10))).features == ["row", "code", "a"])
    }

    @Test func excludeNamingAMissingColumnIsAnError() throws {
        #expect(throws: DataError.self) { try Ingestion(config("  exclude: [nope]"), table: table(rows(30))) }
    }

    @Test func aNumericColumnWithAFewTextCellsNamesTheCellAndTheFixes() throws {
        let text = rows(40) { $0 == 17 ? "\"1,05\"" : "\(Double($0) / 4)" }
        let error = try #require(throws: DataError.self) { try Ingestion(config("  exclude: [row, code]"), table: table(text)) }
        #expect(error.line == 19 && error.column == "a", "\(error)")
        #expect(error.message.contains("\"1,05\"") && error.message.contains("data.missing") && error.message.contains("data.columns: {a: categorical}"), "\(error)")
        // Declared categorical, it is text and no error.
        #expect(try Ingestion(config("  exclude: [row, code]\n  columns: {a: categorical}"), table: table(text, kinds: ["a": .categorical])).features == ["a"])
    }

    @Test func missingTokensByDefaultAndFromTheConfig() throws {
        // N/A, n/a, #N/A and - are missing by default; the column stays numeric.
        let t = try table(rows(30) { ["N/A", "n/a", "#N/A", "-"].indices.contains($0) ? ["N/A", "n/a", "#N/A", "-"][$0] : "\($0)" })
        #expect(t.columns[2].kind == .numeric)
        // A token of the user's own makes a column numeric with that cell missing.
        let u = try table(rows(30) { $0 == 3 ? "missing" : "\($0)" })
        #expect(u.columns[2].kind == .categorical)
        let i = try Ingestion(config("  exclude: [row, code]\n  missing: [\"\", NA, missing]"), table: u)
        #expect(i.table.columns[2].kind == .numeric && i.schema[2].missing == 1)
    }

    @Test func tooManyCategoriesIsAnErrorNamingColumnAndCount() throws {
        let text = rows(60) { "c\($0 % 50)" }
        let error = try #require(throws: DataError.self) { try Ingestion(config("  exclude: [row, code]\n  max_categories: 40"), table: table(text)) }
        #expect(error.column == "a" && error.message.contains("50 distinct values") && error.message.contains("data.exclude: [a]"), "\(error)")
        #expect(try Ingestion(config("  exclude: [row, code]\n  max_categories: 50"), table: table(text)).features == ["a"])
    }

    @Test func aFileLargerThanMemoryIsRefusedBeforeReading() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("big.csv").path
        try Data(repeating: 0x31, count: 4096).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: DataError.self) { try Ingestion.checkFileSize(path, physical: 1024) }
        #expect(error.message.contains("more than this machine's"), "\(error)")
        try Ingestion.checkFileSize(path, physical: 1 << 20)
    }

    @Test func rowsWithAMissingTargetCanBeDropped() throws {
        let text = "a,y\n1,p\n2,\n3,q\n4,NA\n"
        let i = try Ingestion(config("  drop_missing_target: true"), table: table(text))
        #expect(i.table.rowCount == 2 && i.table.lineNumbers == [2, 4] && i.warnings.first?.contains("dropped 2 rows") == true)
    }

    @Test func quantileBinsSpreadAContinuousTarget() {
        let values: [Float] = (0..<100).map { Float(($0 * 37) % 100) }
        let bins = QuantileBins.labels(values)
        #expect(Set(bins).count == 10)
        for b in 0..<10 { #expect(bins.filter { $0 == Int32(b) }.count == 10) }
        #expect(bins[values.firstIndex(of: 0) ?? 0] == 0 && bins[values.firstIndex(of: 99) ?? 0] == 9)
    }
}
