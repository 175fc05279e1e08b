import Foundation
import Testing
@testable import TandemTrain

/// `EncodedRows`: the training split encoded once in memory gives, row for row, the bits a batch
/// gathered from the prepared dataset gets, and is built only within `data.in_memory_mib`.
@Suite struct EncodedRowsTests {
    /// Numeric columns with missing cells (float32-exact and not), a categorical one (one-hot or
    /// embedding codes) with a missing cell and a level only outside the training split.
    static func data(_ preprocess: String) throws -> PreparedData {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "a,b,colour,y\n"
        for i in 0..<203 {
            let a = i % 17 == 0 ? "" : "\(Double(i) * 0.37 - 11.1)"
            let b = i % 29 == 0 ? "NA" : "\(i * i % 101)"
            let colour = i % 31 == 0 ? "" : ["red", "green", "blue", "teal"][i % 4]
            csv += "\(a),\(b),\(colour),\(i % 3 == 0 ? "x" : "z")\n"
        }
        let path = dir.appendingPathComponent("t.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try parse("""
        data:
          path: '\(path)'
          target: y
          task: classification
          split: {validation: 0.2, test: 0.1, seed: 3}
          preprocess: \(preprocess)
        """)
        return try PreparedData.prepare(config.data)
    }

    @Test(arguments: ["{scale: standard}", "{impute: median, scale: quantile}", "{scale: minmax, categorical: embedding}"])
    func rowsAreTheBitsOfAGatheredBatch(preprocess: String) throws {
        let split = try Self.data(preprocess).train
        let rows = try #require(EncodedRows(split: split, budgetBytes: 1 << 20))
        #expect(rows.rows == split.count && rows.width == split.width)
        // Every row in a shuffled order, copied as the training loop does, against the encoder
        // gathering the same rows from the prepared dataset.
        var order = Array(0..<split.count)
        order.reverse()
        order.swapAt(0, split.count / 2)
        let width = split.width
        var copied = [Float](repeating: .nan, count: order.count * width)
        copied.withUnsafeMutableBufferPointer { out in
            for (i, position) in order.enumerated() { rows.copy(position: position, into: out.baseAddress! + i * width) }
        }
        var gathered = [Float](repeating: .nan, count: order.count * width)
        let datasetRows = order.map { split.rows[$0] }
        datasetRows.withUnsafeBufferPointer { r in
            gathered.withUnsafeMutableBufferPointer { split.encoder.encode(rows: r, into: $0.baseAddress!) }
        }
        #expect(copied.map(\.bitPattern) == gathered.map(\.bitPattern))
        // The batch copy the training loop makes (rows and labels in one call): the same bits.
        var batch = [Float](repeating: .nan, count: order.count * width)
        var labels = [Int32](repeating: -1, count: order.count)
        order.withUnsafeBufferPointer { positions in
            batch.withUnsafeMutableBufferPointer { out in
                labels.withUnsafeMutableBufferPointer { rows.copy(positions: positions, into: out.baseAddress!, labels: $0.baseAddress) }
            }
        }
        #expect(batch.map(\.bitPattern) == gathered.map(\.bitPattern))
        #expect(labels == datasetRows.map { split.label(row: $0) })
        #expect(split.x.values.map(\.bitPattern) == Array(UnsafeBufferPointer(start: rows.values.base, count: rows.values.count)).map(\.bitPattern))
    }

    @Test func builtOnlyWithinTheBudget() throws {
        let split = try Self.data("{scale: standard}").train
        let bytes = split.count * split.width * 4
        #expect(EncodedRows(split: split, budgetBytes: bytes) != nil)
        #expect(EncodedRows(split: split, budgetBytes: bytes - 1) == nil)
        #expect(EncodedRows(split: split, budgetBytes: 0) == nil)
    }

    @Test func inMemoryMiBIsReadCheckedAndNotPartOfThePreparedIdentity() throws {
        let base = "data: {path: x.csv, target: y, task: regression}"
        #expect(try parse(base).data.inMemoryMiB == 256)
        let set = try parse(base, overrides: ["data.in_memory_mib=0"]).data
        #expect(set.inMemoryMiB == 0)
        // The same prepared dataset (cache directory) whatever the setting.
        #expect(try DataPreparation.identity(set).sha256 == DataPreparation.identity(parse(base).data).sha256)
        let error = configError(base, overrides: ["data.in_memory_mib=-1"])
        #expect(error?.keyPath == "data.in_memory_mib")
        #expect(error?.description.contains("outside the valid range 0...1073741824") == true)
    }
}
