extension Table {
    /// The table with every cell in `tokens` (after trimming spaces and tabs) treated as missing:
    /// in a text column such cells become missing, and a text column whose remaining cells are
    /// all numbers becomes numeric (unless `forced` says categorical). For `data.missing` tokens
    /// beyond `CellText.missingTokens`, which the loader already treats as missing.
    public func treating(asMissing tokens: Set<String>, forced: [String: ColumnKind] = [:]) -> Table {
        let extra = tokens.subtracting(CellText.missingTokens)
        guard !extra.isEmpty else { return self }
        var out = self
        for (i, column) in columns.enumerated() {
            guard case .categorical(let cells) = column else { continue }
            let cleaned = cells.map { c -> String? in c.flatMap { extra.contains($0) ? nil : $0 } }
            if forced[names[i]] != .categorical {
                var numbers: [Double] = []
                numbers.reserveCapacity(cleaned.count)
                for c in cleaned {
                    guard let c else { numbers.append(.nan); continue }
                    guard let x = CellText.number(c) else { break }
                    numbers.append(x)
                }
                if numbers.count == cleaned.count {
                    out.columns[i] = .numeric(numbers)
                    continue
                }
            }
            out.columns[i] = .categorical(cleaned)
        }
        return out
    }

    /// The table restricted to `rows` (in that order), keeping each row's line number.
    public func selecting(rows: [Int]) -> Table {
        let cols = columns.map { c -> ColumnValues in
            switch c {
            case .numeric(let v): .numeric(rows.map { v[$0] })
            case .categorical(let v): .categorical(rows.map { v[$0] })
            }
        }
        return Table(file: file, names: names, columns: cols, lineNumbers: rows.map { lineNumbers[$0] })
    }
}
