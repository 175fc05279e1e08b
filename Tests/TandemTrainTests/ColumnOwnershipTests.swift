import Foundation
import Testing
import TandemArtifact
import TandemData
@testable import TandemTrain

/// A parallel preparation gives each rank whole columns (`ParallelPreparation.owners`) and fits
/// them with the one-process code: a rank's table holds only its columns and the target, the
/// ingestion checks run on exchanged facts, and the fitted parts must equal the whole table's.
@Suite struct ColumnOwnershipTests {
    /// `n` rows: a row number (an ID), numbers with missing cells, a text column with missing
    /// cells, a constant, and a three-class target; shuffled deterministically.
    func text(_ n: Int) -> String {
        var lines = ["row,a,b,city,k,y"]
        for i in 0..<n {
            let a = i % 11 == 0 ? "" : String(Double((i * 37) % 101) / 8 - 3)
            let b = i % 5 == 0 ? "NA" : String((i * 13) % 29)
            let city = i % 9 == 0 ? "" : ["oslo", "rome", "lima", "bern"][(i * 7) % 4]
            lines.append("\(i + 1),\(a),\(b),\(city),1,\(["x", "y", "z"][(i * 3 + i / 4) % 3])")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func table(_ text: String) throws -> Table {
        try Table(csv: CSVReader.parse(Data(text.utf8), file: "t.csv"), file: "t.csv", kinds: [:])
    }

    func config(_ extra: String = "", path: String = "t.csv") throws -> DataConfig {
        try parse("data:\n  path: \(path)\n  target: y\n  task: classification\n  missing: ['', NA]\n"
                  + "  split: {validation: 0.2, test: 0.1, method: stratified, seed: 3}\n"
                  + "  preprocess: {impute: median, scale: standard}\n" + extra).data
    }

    /// The table of `whole` with only the columns `owners` gives `rank` (and the target).
    func part(_ whole: Table, owners: [Int], rank: Int) -> Table {
        let keep = whole.names.indices.filter { owners[$0] == rank || owners[$0] < 0 }
        return Table(file: whole.file, names: keep.map { whole.names[$0] }, columns: keep.map { whole.columns[$0] },
                     lineNumbers: whole.lineNumbers)
    }

    @Test func everyColumnHasOneOwnerAndTheWorkIsSpread() {
        let header = ["a", "b", "c", "t", "y", "d", "e"]
        let numeric = [true, true, false, true, false, true, true]
        for ranks in 1...4 {
            let owners = ParallelPreparation.owners(header: header, numeric: numeric, target: "y", ranks: ranks)
            #expect(owners[4] == -1)
            #expect(owners.enumerated().allSatisfy { $0.offset == 4 || (0..<ranks).contains($0.element) }, "\(owners)")
            if ranks == 2 {
                // Work: 5 numeric + one text; rank 0 and the last rank start with 1 extra each.
                let cost = ParallelPreparation.textCost
                let load = (0..<2).map { r in owners.indices.filter { owners[$0] == r }.reduce(0) { $0 + (numeric[$1] ? 1 : cost) } }
                #expect(abs(load[0] - load[1]) <= 1, "\(owners)")
            }
        }
    }

    /// The benchmark's layout (12 numeric columns, then a text one, then the target): the text
    /// column is placed first, so the numeric ones even out the work around it (in file order it
    /// came last, onto a rank that already had half of the numeric columns).
    @Test func aTextColumnLastInTheFileIsBalancedByNumericOnes() {
        let header = (0..<12).map { "x\($0)" } + ["cat", "y"]
        let numeric = [Bool](repeating: true, count: 12) + [false, true]
        let owners = ParallelPreparation.owners(header: header, numeric: numeric, target: "y", ranks: 2)
        #expect(owners[13] == -1)
        #expect(owners.filter { $0 == 0 }.count == 7, "\(owners)")
        #expect(owners[12] == 1 && owners.filter { $0 == 1 }.count == 6, "\(owners)")
    }

    @Test func partsFitExactlyAsTheWholeTable() throws {
        // The one-process build stamps its source, so the table comes from a file.
        let file = try temporaryDirectory().appendingPathComponent("t.csv")
        try Data(text(240).utf8).write(to: file)
        let whole = try Table(csv: CSVReader.parse(Data(contentsOf: file), file: file.path), file: file.path, kinds: [:])
        let cfg = try config(path: file.path)
        let reference = try DataPreparation.build(cfg, table: whole)
        let stats = try DataPreparation.statistics(of: reference)
        for ranks in 2...3 {
            let owners = ParallelPreparation.owners(header: whole.names, numeric: whole.columns.map { $0.kind == .numeric },
                                                    target: "y", ranks: ranks)
            // Every rank's facts, as the exchange would give them.
            let facts = try whole.names.indices.map { c -> ColumnFacts in
                let t = part(whole, owners: owners, rank: max(owners[c], 0)).treating(asMissing: Set(cfg.missing))
                let f = ColumnFacts.of(t, column: try t.requireIndex(of: whole.names[c]))
                let record = try JSONDecoder().decode(ParallelPreparation.FactsRecord.self,
                                                      from: JSONEncoder().encode(ParallelPreparation.FactsRecord(f)))
                #expect(record.facts == f)
                return record.facts
            }
            var fitted: [String: FeatureTransform] = [:]
            var histograms: [String: FeatureHistogram] = [:]
            for r in 0..<ranks {
                let i = try Ingestion(cfg, table: part(whole, owners: owners, rank: r), names: whole.names, facts: { _ in facts })
                #expect(i.features == stats.preprocessor.featureNames && i.schema == stats.schema && i.warnings == stats.warnings)
                let (_, _, split) = try DataPreparation.targetAndSplit(cfg, table: i.table)
                #expect(split.train == reference.splitRows[0].typed(Int.self).map { $0 })
                let mine = i.features.filter { owners[whole.names.firstIndex(of: $0) ?? -1] == r }
                if mine.isEmpty { continue }
                for t in try Preprocessor.fit(table: i.table, features: mine, rows: split.train, options: cfg.preprocess).features { fitted[t.name] = t }
                for h in try DriftReference.fit(table: i.table, features: mine, rows: split.train).features { histograms[h.name] = h }
            }
            #expect(stats.preprocessor.features == stats.preprocessor.featureNames.compactMap { fitted[$0] })
            #expect(stats.drift.features == stats.drift.features.compactMap { histograms[$0.name] })
        }
    }

    @Test func anExcludedColumnOnAnotherRankIsStillKnown() throws {
        let whole = try table(text(40))
        let cfg = try config("  exclude: [k]")
        let owners = ParallelPreparation.owners(header: whole.names, numeric: whole.columns.map { $0.kind == .numeric }, target: "y", ranks: 3)
        let facts = ColumnFacts.of(whole.treating(asMissing: Set(cfg.missing)))
        let r = (0..<3).first { owners[whole.names.firstIndex(of: "k") ?? 0] != $0 } ?? 0
        let i = try Ingestion(cfg, table: part(whole, owners: owners, rank: r), names: whole.names, facts: { _ in facts })
        #expect(!i.features.contains("k"))
        #expect(throws: DataError.self) {
            try Ingestion(config("  exclude: [nope]"), table: part(whole, owners: owners, rank: r), names: whole.names, facts: { _ in facts })
        }
    }

    @Test func packedPartsRoundTripAndDamageIsNoticed() {
        let parts: [[UInt8]] = [[], [1, 2, 3], Array(repeating: 7, count: 100)]
        let packed = ParallelPreparation.pack(parts)
        #expect(ParallelPreparation.unpack(packed) == parts)
        #expect(ParallelPreparation.unpack(Array(packed.dropLast())) == nil)
        #expect(ParallelPreparation.unpack(packed + [0]) == nil)
        #expect(ParallelPreparation.unpack([]) == nil)
    }
}
