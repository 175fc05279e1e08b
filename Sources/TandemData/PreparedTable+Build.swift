import Foundation

extension PreparedTable {
    /// The encoded target of every row.
    public enum TargetValues: Sendable {
        /// Class indices (classification).
        case labels([Int32])
        /// Values (regression).
        case values([Float])
    }

    /// An in-memory prepared dataset from a loaded table: `features` of `table` as raw columns,
    /// the encoded `target`, the rows of each split, and `extras` (the fitted statistics).
    ///
    /// Numeric columns are stored as float32 when every value is exactly a float32 (so reading
    /// them back gives the parsed doubles bit for bit), else as float64. Categorical columns
    /// become codes into their sorted distinct values. Throws `DataError` (file, line, column)
    /// for an infinite value in a numeric feature.
    public static func build(table: Table, features: [String], target: TargetValues, split: SplitIndices,
                             sources: [SourceStamp], config: String, configSHA256: String, writer: String,
                             extras: [String: Data]) throws -> PreparedTable {
        let columns = try features.enumerated().map { i, name in try column(name, position: i, of: table) }
        return assemble(columns: columns, lines: table.lineNumbers, target: target, split: split, sources: sources,
                        config: config, configSHA256: configSHA256, writer: writer, extras: extras)
    }

    /// The stored column of feature `name` of `table`, the `position`-th feature of the dataset
    /// (its file is `columns/cNNNN` by position). Throws `DataError` for a column `table` lacks
    /// or an infinite numeric value (with its line).
    public static func column(_ name: String, position: Int, of table: Table) throws -> PreparedColumn {
        let c = try table.requireIndex(of: name, role: "feature")
        let stem = String(format: "columns/c%04d", position)
        switch table.columns[c] {
        case .numeric(let values):
            return try numericColumn(values, name: name, stem: stem, table: table)
        case .categorical(let cells):
            let coded = CellCodes(cells)
            let order = coded.values.indices.sorted { coded.values[$0] < coded.values[$1] }
            let dictionary = order.map { coded.values[$0] }
            var sorted = [Int32](repeating: 0, count: order.count)
            for (k, i) in order.enumerated() { sorted[i] = Int32(k) }
            let codes = coded.codes.map { $0 < 0 ? -1 : sorted[Int($0)] }
            let record = PreparedManifest.Column(name: name, kind: .categorical, dtype: "i4", file: stem + ".i4",
                                                 dictionary: stem + ".dict.json", missing: codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) })
            return PreparedColumn(record: record, buffer: ColumnBuffer(copying: codes), dictionary: dictionary)
        }
    }

    /// An in-memory prepared dataset from its already stored feature `columns` (in feature
    /// order), each row's source line, the encoded target and the split.
    public static func assemble(columns: [PreparedColumn], lines: [Int], target: TargetValues, split: SplitIndices,
                                sources: [SourceStamp], config: String, configSHA256: String, writer: String,
                                extras: [String: Data]) -> PreparedTable {
        let n = lines.count
        let targetBuffer: ColumnBuffer
        let targetRecord: PreparedManifest.Column
        switch target {
        case .labels(let l):
            targetBuffer = ColumnBuffer(copying: l)
            targetRecord = .init(name: "target", kind: .categorical, dtype: "i4", file: "target.i4")
        case .values(let v):
            targetBuffer = ColumnBuffer(copying: v)
            targetRecord = .init(name: "target", kind: .numeric, dtype: "f4", file: "target.f4")
        }
        var codes = [UInt8](repeating: 0, count: n)
        for r in split.validation { codes[r] = UInt8(SplitPart.validation.rawValue) }
        for r in split.test { codes[r] = UInt8(SplitPart.test.rawValue) }
        let manifest = PreparedManifest(writer: writer, rows: n, splitRows: [split.train.count, split.validation.count, split.test.count],
                                        sources: sources, config: config, configSHA256: configSHA256,
                                        columns: columns.map(\.record), target: targetRecord)
        return PreparedTable(manifest: manifest, directory: nil, columns: columns, target: targetBuffer,
                             lines: ColumnBuffer(copying: lines), splitCodes: ColumnBuffer(copying: codes),
                             splitRows: [split.train, split.validation, split.test].map { ColumnBuffer(copying: $0) },
                             extras: extras)
    }

    /// A numeric column as float32 (when lossless) or float64, with its range and missing count.
    private static func numericColumn(_ values: [Double], name: String, stem: String, table: Table) throws -> PreparedColumn {
        var lo = Double.infinity, hi = -Double.infinity, missing = 0
        var lossless = true
        for (r, x) in values.enumerated() {
            if x.isNaN { missing += 1; continue }
            guard x.isFinite else {
                throw DataError(file: table.file, line: table.lineNumbers[r], column: name,
                                message: "expected a finite number, found \(CellText.format(x))")
            }
            lo = Swift.min(lo, x)
            hi = Swift.max(hi, x)
            if lossless && Double(Float(x)) != x { lossless = false }
        }
        let present = missing < values.count
        let dtype = lossless ? "f4" : "f8"
        // Converted straight into the buffer (no intermediate array to allocate and copy).
        let buffer = lossless ? ColumnBuffer(count: values.count * MemoryLayout<Float>.stride) { dst in
            let out = dst.bindMemory(to: Float.self)
            values.withUnsafeBufferPointer { v in for i in v.indices { out[i] = Float(v[i]) } }
        } : ColumnBuffer(copying: values)
        let record = PreparedManifest.Column(name: name, kind: .numeric, dtype: dtype, file: "\(stem).\(dtype)",
                                             min: present ? lo : nil, max: present ? hi : nil, missing: missing)
        return PreparedColumn(record: record, buffer: buffer, dictionary: [])
    }
}
