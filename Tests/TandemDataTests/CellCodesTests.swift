import Testing
@testable import TandemData

/// `CellCodes` codes cells the way a `Dictionary<String, _>` does: equal strings one code
/// whatever their bytes (separate copies of long strings, canonically equivalent spellings),
/// missing cells -1, values in order of first appearance, through several table growths.
@Suite struct CellCodesTests {
    /// The reference: values in order of first appearance by `String` equality, and a code per cell.
    func reference(_ cells: [String?]) -> (values: [String], codes: [Int32]) {
        var index: [String: Int32] = [:]
        var values: [String] = []
        let codes = cells.map { cell -> Int32 in
            guard let cell else { return -1 }
            if let k = index[cell] { return k }
            index[cell] = Int32(values.count)
            values.append(cell)
            return Int32(values.count - 1)
        }
        return (values, codes)
    }

    @Test func codesLikeADictionary() {
        var rng = SplitMix(seed: 4)
        for size in [0, 1, 10, 1_000, 50_000] {
            var cells: [String?] = ["caf\u{E9}", "cafe\u{301}", nil, ""]
            for _ in 0..<size {
                let k = rng.next() % 700
                switch rng.next() % 4 {
                case 0: cells.append(nil)
                // A new String each time: long ones are separate heap copies with other bytes.
                case 1: cells.append(String(repeating: "long value ", count: 3) + String(k))
                default: cells.append("c\(k)")
                }
            }
            let coded = CellCodes(cells)
            let expected = reference(cells)
            #expect(coded.values == expected.values, "size \(size)")
            #expect(coded.codes == expected.codes, "size \(size)")
            #expect(coded.missing == cells.filter { $0 == nil }.count)
            #expect(coded.counts.reduce(0, +) + coded.missing == cells.count)
            let rows = Array(stride(from: cells.count - 1, through: 0, by: -3))
            let picked = CellCodes(cells, rows: rows)
            let expectedPicked = reference(rows.map { cells[$0] })
            #expect(picked.values == expectedPicked.values && picked.codes == expectedPicked.codes, "size \(size), rows")
        }
    }

    /// The fits built on it give what they gave before: the mode with ties to the smallest, the
    /// categories sorted, the stored dictionary sorted with codes into it.
    @Test func fitsOnCodes() throws {
        let cells: [String?] = ["b", "a", nil, "b", "a", "c", nil]
        let t = FeatureTransform.categorical(name: "x", values: cells, options: PreprocessOptions())
        #expect(t.fillCategory == "a")
        #expect(t.categories == ["a", "b", "c"])
        let picked = FeatureTransform.categorical(name: "x", values: cells, rows: [0, 3, 5], options: PreprocessOptions())
        #expect(picked.fillCategory == "b" && picked.categories == ["b", "c"])
        let h = FeatureHistogram.categorical(name: "x", values: cells, rows: [6, 5, 0, 1])
        #expect(h.categories == ["a", "b", "c"] && h.counts == [1, 1, 1] && h.missing == 1)
        let table = Table(file: "f.csv", names: ["x"], columns: [.categorical(cells)], lineNumbers: Array(2...8))
        let column = try PreparedTable.column("x", position: 0, of: table)
        #expect(column.dictionary == ["a", "b", "c"])
        #expect(Array(column.buffer.typed(Int32.self)) == [1, 0, -1, 1, 0, 2, -1])
        let facts = ColumnFacts.of(table, column: 0)
        #expect(facts.missing == 2 && facts.distinct == 3 && facts.levels == ["a", "b", "c"] && facts.numberCells == 0)
        #expect(facts.firstText?.row == 0 && facts.firstText?.text == "b")
    }
}
