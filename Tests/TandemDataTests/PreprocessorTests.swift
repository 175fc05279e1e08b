import Foundation
import Testing
import TestSupport
import TandemData

@Suite struct PreprocessorTests {
    /// Rows 0-3 are "train"; row 4 is an outlier that must not influence the statistics.
    static let csv = "n,c\n1,red\n2,blue\n3,red\n6,NA\n1000,green\n"

    @Test func standardUsesTrainRowsOnly() throws {
        let t = try makeTable(Self.csv)
        let p = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2, 3], options: PreprocessOptions())
        let f = p.features[0]
        #expect(f.offset == 3)
        expectClose(f.divisor, (14.0 / 4).squareRoot(), allowedError: 1e-12)
        let m = try p.transform(table: t, rows: [0, 1, 2, 3])
        #expect(m.rows == 4 && m.cols == 1)
        let mean = m.values.reduce(0, +) / 4
        let variance = m.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4
        expectClose(Double(mean), 0, allowedError: 1e-6)
        expectClose(Double(variance), 1, allowedError: 1e-5)
    }

    @Test func minmaxAndNone() throws {
        let t = try makeTable(Self.csv)
        let mm = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2, 3], options: PreprocessOptions(scale: .minmax))
        #expect(try mm.transform(table: t, rows: [0, 3, 4]).values == [0, 1, 199.8])
        let none = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1], options: PreprocessOptions(scale: .none))
        #expect(try none.transform(table: t, rows: [4, 1]).values == [1000, 2])
    }

    @Test func constantColumnGetsDivisorOne() throws {
        let t = try makeTable("n\n0.1\n0.1\n0.1\n")
        let p = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2], options: PreprocessOptions())
        #expect(p.features[0].divisor == 1)
        let mm = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2], options: PreprocessOptions(scale: .minmax))
        #expect(mm.features[0].divisor == 1)
    }

    @Test(arguments: [
        (ImputeStrategy.mean, 4.0),
        (.median, 2.0),
        (.mostFrequent, 1.0),
        (.constant, -7.0),
    ])
    func numericImputation(strategy: ImputeStrategy, expected: Double) throws {
        let t = try makeTable("n\n1\n1\n2\n6\n10\nNA\n?\n")
        let options = PreprocessOptions(impute: strategy, fillValue: -7, scale: .none)
        let p = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2, 3, 4, 5], options: options)
        #expect(p.features[0].fill == expected)
        #expect(try p.transform(table: t, rows: [5, 6]).values == [Float(expected), Float(expected)])
    }

    @Test func imputedThenScaled() throws {
        let t = try makeTable("n\n0\n4\nNA\n")
        let p = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2], options: PreprocessOptions(scale: .minmax))
        #expect(try p.transform(table: t, rows: [2]).values == [0.5])
    }

    @Test func oneHotWithUnseenAndMissingCategories() throws {
        let t = try makeTable(Self.csv)
        let p = try Preprocessor.fit(table: t, features: ["n", "c"], rows: [0, 1, 2, 3], options: PreprocessOptions(scale: .none))
        #expect(p.outputWidth == 3)
        #expect(p.outputNames == ["n", "c=blue", "c=red"])
        #expect(p.features[1].fillCategory == "red")
        let m = try p.transform(table: t, rows: [0, 1, 3, 4])
        #expect(m.values == [1, 0, 1,
                             2, 1, 0,
                             6, 0, 1,      // missing -> most frequent "red"
                             1000, 0, 0])  // unseen "green" -> all zeros
    }

    @Test func constantImputationAddsMissingCategory() throws {
        let t = try makeTable(Self.csv)
        let p = try Preprocessor.fit(table: t, features: ["c"], rows: [0, 1, 2, 3], options: PreprocessOptions(impute: .constant))
        #expect(p.outputNames == ["c=blue", "c=missing", "c=red"])
        #expect(try p.transform(table: t, rows: [3]).values == [0, 1, 0])
    }

    @Test func transformAnotherFileByName() throws {
        let train = try makeTable("a,b\n1,x\n3,y\n")
        let p = try Preprocessor.fit(table: train, features: ["b", "a"], rows: [0, 1], options: PreprocessOptions())
        let other = try makeTable("extra,a,b\nq,5,y\n")
        #expect(try p.transform(table: other, rows: [0]).values == [0, 1, 3])
        let lacking = try makeTable("a\n1\n")
        let e = dataError { _ = try p.transform(table: lacking, rows: [0]) }
        #expect(e?.column == "b")
        let bad = try makeTable("a,b\n1,x\noops,y\n")
        let e2 = try #require(dataError { _ = try p.transform(table: bad, rows: [0, 1]) })
        #expect(e2.line == 3 && e2.column == "a" && e2.message.contains("\"oops\""))
    }

    @Test func infiniteValuesAreErrors() throws {
        let t = try makeTable("n\n1\ninf\n2\n")
        let fit = try #require(dataError { _ = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1], options: PreprocessOptions()) })
        #expect(fit.line == 3 && fit.column == "n")
        let p = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 2], options: PreprocessOptions())
        let e = try #require(dataError { _ = try p.transform(table: t, rows: [0, 1]) })
        #expect(e.description == "t.csv:3: column 'n': expected a finite number, found inf")
    }

    /// A finite value that overflows float32 once scaled would make the network's outputs NaN.
    @Test func valuesBeyondFloat32AreErrors() throws {
        let t = try makeTable("n\n1\n2\n1e300\n")
        let p = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1], options: PreprocessOptions())
        let e = try #require(dataError { _ = try p.transform(table: t, rows: [0, 2]) })
        #expect(e.line == 4 && e.column == "n" && e.message.contains("out of range"), "\(e)")
        #expect(throws: DataError.self) { _ = try p.transform(row: ["n": 1e39]) }
    }

    @Test func unknownFeatureListsColumns() throws {
        let t = try makeTable(Self.csv)
        let e = try #require(dataError { _ = try Preprocessor.fit(table: t, features: ["n", "zz"], rows: [0], options: PreprocessOptions()) })
        #expect(e.column == "zz")
        #expect(e.message.contains("n, c"))
    }

    @Test func singleRowTransformMatchesTable() throws {
        let t = try makeTable(Self.csv)
        let p = try Preprocessor.fit(table: t, features: ["n", "c"], rows: [0, 1, 2, 3], options: PreprocessOptions())
        let expected = try p.transform(table: t, rows: [2]).values
        #expect(try p.transform(row: ["n": " 3", "c": "red", "ignored": "1"]) == expected)
        let e = dataError { _ = try p.transform(row: ["n": "3"]) }
        #expect(e?.column == "c")
        let numeric = try Preprocessor.fit(table: t, features: ["n"], rows: [0, 1, 2, 3], options: PreprocessOptions())
        #expect(try numeric.transform(row: ["n": 3.0]) == [0])
    }

    @Test func codableRoundTripAndDefaults() throws {
        let t = try makeTable(Self.csv)
        let p = try Preprocessor.fit(table: t, features: ["n", "c"], rows: [0, 1, 2], options: PreprocessOptions(impute: .median))
        let decoded = try JSONDecoder().decode(Preprocessor.self, from: JSONEncoder().encode(p))
        #expect(decoded == p)
        let options = try JSONDecoder().decode(PreprocessOptions.self, from: Data(#"{"impute": "most_frequent"}"#.utf8))
        #expect(options == PreprocessOptions(impute: .mostFrequent))
        let fill = try JSONDecoder().decode(PreprocessOptions.self, from: Data(#"{"fill_value": 2, "scale": "none"}"#.utf8))
        #expect(fill == PreprocessOptions(fillValue: 2, scale: .none))
    }
}
