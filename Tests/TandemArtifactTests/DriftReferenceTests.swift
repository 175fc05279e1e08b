import Foundation
import Testing
import TandemData
import TandemTensor
import TestSupport
@testable import TandemArtifact

/// Training histograms: fitting, edge cases, and PSI/KS on unchanged and shifted data.
@Suite struct DriftReferenceTests {
    /// A table with numeric `x` (standard normal), categorical `c` (80% "a", 20% "b") and `n` rows.
    static func table(rows n: Int, seed: UInt64, shift: Double = 0, flip: Bool = false) -> Table {
        var rng = RandomGenerator(seed: seed)
        let x = (0..<n).map { _ in rng.nextNormal() + shift }
        let c: [String?] = (0..<n).map { i in (i % 5 == 0) != flip ? "b" : "a" }
        return Table(file: "t.csv", names: ["x", "c"], columns: [.numeric(x), .categorical(c)], lineNumbers: Array(2..<(n + 2)))
    }

    static func drift(_ reference: DriftReference, _ table: Table) throws -> [String: FeatureDrift] {
        Dictionary(uniqueKeysWithValues: try reference.compare(table: table, rows: Array(0..<table.rowCount)).map { ($0.feature, $0) })
    }

    @Test func trainingDataAgainstItselfIsStableAndAShiftedCopyIsShifted() throws {
        let train = Self.table(rows: 2000, seed: 1)
        let reference = try DriftReference.fit(table: train, features: ["x", "c"], rows: Array(0..<2000))
        #expect(reference.rows == 2000 && reference.features.map(\.name) == ["x", "c"])
        #expect(reference.features[0].edges.count == 9 && reference.features[0].counts.reduce(0, +) == 2000)

        let same = try Self.drift(reference, train)
        #expect(same["x"]?.psi == 0 && same["c"]?.psi == 0)
        #expect((same["x"]?.ks ?? 1) <= 0.01, "percentile CDF points: KS within 0.01 of the exact 0")
        #expect(same["c"]?.ks == nil && same["x"]?.verdict == .stable && same["x"]?.rows == 2000)

        // Fresh rows from the same distributions: sampling noise only.
        let fresh = try Self.drift(reference, Self.table(rows: 1000, seed: 2))
        #expect((fresh["x"]?.psi ?? 1) < 0.1 && (fresh["c"]?.psi ?? 1) < 0.1, "\(fresh)")
        #expect((fresh["x"]?.ks ?? 1) < 0.1)

        // x moved by 2 standard deviations, c's frequencies flipped (20% a, 80% b).
        let moved = try Self.drift(reference, Self.table(rows: 1000, seed: 3, shift: 2, flip: true))
        #expect((moved["x"]?.psi ?? 0) > 0.25 && moved["x"]?.verdict == .shifted, "\(moved)")
        #expect((moved["x"]?.ks ?? 0) > 0.5)
        // (0.2 - 0.8) ln(0.25) + (0.8 - 0.2) ln 4 = 1.2 ln 4
        expectClose(moved["c"]?.psi ?? 0, 1.2 * log(4.0), allowedError: 1e-9)
        #expect(moved["c"]?.verdict == .shifted)
    }

    @Test func verdictThresholds() {
        #expect(DriftVerdict(psi: 0.0999) == .stable && DriftVerdict(psi: 0.1) == .moderate)
        #expect(DriftVerdict(psi: 0.2499) == .moderate && DriftVerdict(psi: 0.25) == .shifted)
        #expect(DriftVerdict.stable < .moderate && DriftVerdict.moderate < .shifted)
    }

    @Test func constantColumnHasOneEdgeAndAnyOtherValueIsShifted() throws {
        let h = FeatureHistogram.numeric(name: "k", values: Array(repeating: 5, count: 50))
        #expect(h.edges == [5] && h.counts == [50, 0] && h.missing == 0)
        #expect(h.cdfValues == [5] && h.cdfFractions == [1])
        let t = Table(file: "n.csv", names: ["k"], columns: [.numeric([5, 5, 6, 6])], lineNumbers: [2, 3, 4, 5])
        let d = try h.drift(column: t.columns[0], rows: [0, 1], table: t)
        #expect(d.psi == 0 && d.ks == 0)
        let moved = try h.drift(column: t.columns[0], rows: [2, 3], table: t)
        expectClose(moved.psi, 2 * (1 - 1e-4) * log(1e4), allowedError: 1e-9)
        #expect(moved.ks == 1)
    }

    @Test func allMissingColumnHasOnlyAMissingCountAndNoKS() throws {
        let h = FeatureHistogram.numeric(name: "m", values: Array(repeating: .nan, count: 20))
        #expect(h.edges.isEmpty && h.counts == [0] && h.missing == 20 && h.cdfValues.isEmpty)
        let t = Table(file: "n.csv", names: ["m"], columns: [.numeric([.nan, .nan, 1, 2])], lineNumbers: [2, 3, 4, 5])
        let still = try h.drift(column: t.columns[0], rows: [0, 1], table: t)
        #expect(still.psi == 0 && still.ks == nil)
        let filled = try h.drift(column: t.columns[0], rows: [2, 3], table: t)
        #expect(filled.verdict == .shifted && filled.ks == nil)
        // Half missing where training had none counts as drift too.
        let half = FeatureHistogram.numeric(name: "m", values: [1, 2, 3, 4])
        #expect(try half.drift(column: t.columns[0], rows: [0, 1, 2, 3], table: t).verdict == .shifted)
    }

    @Test func tiesMergeQuantileBinsAndValuesOnAnEdgeGoToTheLowerBin() throws {
        let h = FeatureHistogram.numeric(name: "t", values: Array(repeating: 0, count: 80) + Array(repeating: 1, count: 20) + [.nan])
        #expect(h.edges == [0, 1], "quantiles 0.1-0.8 are 0, 0.9 is 1")
        #expect(h.counts == [80, 20, 0] && h.missing == 1)
        #expect(h.cdfValues == [0, 1] && h.cdfFractions == [0.8, 1])
        #expect(FeatureHistogram.bin(0, edges: [0, 1]) == 0 && FeatureHistogram.bin(0.5, edges: [0, 1]) == 1)
        #expect(FeatureHistogram.bin(1, edges: [0, 1]) == 1 && FeatureHistogram.bin(1.5, edges: [0, 1]) == 2)
        #expect(FeatureHistogram.bin(-3, edges: []) == 0)
    }

    @Test func categoricalUnseenValuesGoToOtherAndMissingCounts() throws {
        let h = FeatureHistogram.categorical(name: "c", values: ["a", "b", "a", nil])
        #expect(h.categories == ["a", "b"] && h.counts == [2, 1] && h.missing == 1)
        let t = Table(file: "n.csv", names: ["c"], columns: [.categorical(["a", "b", "a", nil, "zzz", "yyy"])], lineNumbers: Array(2..<8))
        #expect(try h.drift(column: t.columns[0], rows: [0, 1, 2, 3], table: t).psi == 0)
        let unseen = try h.drift(column: t.columns[0], rows: [4, 5], table: t)
        #expect(unseen.verdict == .shifted && unseen.ks == nil)
        // A categorical column read as numbers matches by text: "3" is the category 3.
        let numeric = FeatureHistogram.categorical(name: "c", values: ["3", "4"])
        let nt = Table(file: "n.csv", names: ["c"], columns: [.numeric([3, 4])], lineNumbers: [2, 3])
        #expect(try numeric.drift(column: nt.columns[0], rows: [0, 1], table: nt).psi == 0)
    }

    @Test func missingColumnNonNumberAndNoRowsAreErrors() throws {
        let reference = try DriftReference.fit(table: Self.table(rows: 50, seed: 1), features: ["x", "c"], rows: Array(0..<50))
        let lacking = Table(file: "new.csv", names: ["x"], columns: [.numeric([1])], lineNumbers: [2])
        let missing = thrown { try reference.compare(table: lacking, rows: [0]) }
        #expect(missing.contains("'c'") && missing.contains("new.csv"), "\(missing)")
        let text = Table(file: "new.csv", names: ["x", "c"], columns: [.categorical(["1", "abc"]), .categorical(["a", "a"])], lineNumbers: [2, 3])
        let notNumber = thrown { try reference.compare(table: text, rows: [0, 1]) }
        #expect(notNumber.contains("new.csv:3") && notNumber.contains("abc"), "\(notNumber)")
        #expect(try reference.compare(table: text, rows: [0]).count == 2, "numbers stored as text are parsed")
        #expect(thrown { try reference.compare(table: text, rows: []) }.contains("no rows"))
    }

    @Test func manifestKeepsTheReferenceAndOldManifestsWithoutItStillLoad() throws {
        var (artifact, _, _) = try ModelArtifactTests.artifact()
        let t = try ModelArtifactTests.table()
        artifact.manifest.drift = try DriftReference.fit(table: t, features: ["a", "color"], rows: Array(0..<6))
        let dir = ModelArtifactTests.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try artifact.write(to: dir)
        let loaded = try ModelArtifact.load(dir)
        #expect(loaded.manifest == artifact.manifest && loaded.manifest.drift?.features.count == 2)
        #expect(try loaded.manifest.drift?.compare(table: t, rows: Array(0..<6)).map(\.psi) == [0, 0])

        // The same manifest without the `drift` key (as written before drift existed).
        let url = URL(fileURLWithPath: dir).appendingPathComponent("model.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(json["drift"] != nil)
        json["drift"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        #expect(try ModelArtifact.load(dir).manifest.drift == nil)

        // A damaged histogram (counts not matching the bins) is refused with its feature named.
        var broken = try #require(artifact.manifest.drift)
        broken.features[0].counts.append(1)
        let data = try JSONEncoder().encode(broken)
        #expect(thrown { try JSONDecoder().decode(DriftReference.self, from: data) }.contains("'a'"))
    }
}

/// The description of the error `body` throws; records an issue (and returns "") when it does not throw.
func thrown<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        let value = try body()
        Issue.record("expected an error, got \(value)", sourceLocation: sourceLocation)
        return ""
    } catch {
        return "\(error)"
    }
}
