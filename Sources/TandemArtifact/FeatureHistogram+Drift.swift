import TandemData

extension FeatureHistogram {
    /// Drift of the values in `column` at `rows` against this reference. A numeric feature's
    /// cells are read as numbers (text that is not a number is a `DataError` naming `file`, the
    /// line and the column); a categorical feature's cells are matched by their text.
    func drift(column: ColumnValues, rows: [Int], table: Table) throws -> FeatureDrift {
        switch kind {
        case .numeric:
            var values: [Double] = []
            values.reserveCapacity(rows.count)
            var newCounts = [Int](repeating: 0, count: counts.count + 1)  // bins + missing
            for r in rows {
                guard let x = column.number(at: r) else {
                    throw DataError(file: table.file, line: table.lineNumbers[r], column: name,
                                    message: "expected a number, found \"\((column.text(at: r) ?? "").prefix(40))\"")
                }
                if x.isNaN { newCounts[counts.count] += 1 } else { values.append(x); newCounts[Self.bin(x, edges: edges)] += 1 }
            }
            let psi = DriftStatistics.psi(expected: counts + [missing], actual: newCounts)
            var ks: Double?
            if !values.isEmpty && !cdfValues.isEmpty {
                ks = DriftStatistics.ks(reference: Array(zip(cdfValues, cdfFractions).map { (x: $0, f: $1) }),
                                        sortedSample: values.sorted())
            }
            return FeatureDrift(feature: name, kind: kind, psi: psi, ks: ks, rows: rows.count)
        case .categorical:
            let index = Dictionary(categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            var newCounts = [Int](repeating: 0, count: categories.count + 2)  // categories + other + missing
            for r in rows {
                if let text = column.text(at: r) {
                    newCounts[index[text] ?? categories.count] += 1
                } else {
                    newCounts[categories.count + 1] += 1
                }
            }
            let psi = DriftStatistics.psi(expected: counts + [0, missing], actual: newCounts)
            return FeatureDrift(feature: name, kind: kind, psi: psi, ks: nil, rows: rows.count)
        }
    }
}
