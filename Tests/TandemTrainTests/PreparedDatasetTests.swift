import Foundation
import Testing
import TandemData
@testable import TandemTrain

/// The prepared dataset and its cache: mapped data equal to in-memory data, reuse, invalidation,
/// damage, concurrent preparation, and bad input leaving nothing behind.
@Suite struct PreparedDatasetTests {
    /// A data config over `path` (a copy of iris by default) with a cache under `cache`.
    func config(_ path: String, cache: String, overrides: [String] = []) throws -> DataConfig {
        try parse("""
        data:
          path: '\(path)'
          target: species
          task: classification
          cache: '\(cache)'
          split: {validation: 0.2, test: 0.2, method: stratified, seed: 7}
        """, overrides: overrides).data
    }

    /// A temporary directory holding a copy of iris.csv.
    func irisCopy() throws -> (dir: URL, csv: String) {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("iris.csv").path
        try FileManager.default.copyItem(atPath: Examples.iris, toPath: csv)
        return (dir, csv)
    }

    /// Obtains the dataset through the cache, returning it and the lines it said and warned.
    func obtain(_ config: DataConfig, root: String) throws -> (PreparedTable, said: [String], warned: [String]) {
        var said: [String] = [], warned: [String] = []
        let t = try DataCache(root: root).obtain(config, say: { said.append($0) }, warn: { warned.append($0) })
        return (t, said, warned)
    }

    @Test func mappedDataEqualsInMemoryData() throws {
        let (dir, csv) = try irisCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try config(csv, cache: dir.appendingPathComponent("cache").path)
        let memory = try PreparedData.prepare(c)
        let mapped = try PreparedData.prepare(c, cacheRoot: dir.appendingPathComponent("cache").path)
        #expect(mapped.table.directory != nil && memory.table.directory == nil)
        for (a, b) in [(memory.train, mapped.train), (memory.validation, mapped.validation), (memory.test, mapped.test)] {
            #expect(a.sourceRows == b.sourceRows)
            #expect(a.labels == b.labels)
            #expect(a.x == b.x)
        }
        #expect(memory.preprocessor == mapped.preprocessor)
        #expect(memory.drift == mapped.drift)
        #expect(memory.dataSHA256 == mapped.dataSHA256)
    }

    /// Columns written beforehand into the staging directory (as the ranks of a parallel
    /// preparation write theirs) give the same dataset, byte for byte, as writing them all at
    /// the end; a wrong token is not taken for the directory, and the token file is not left in it.
    @Test func stagedColumnsGiveTheSameDataset() throws {
        let (dir, csv) = try irisCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try config(csv, cache: dir.appendingPathComponent("cache").path)
        let whole = try DataPreparation.build(c)
        let plain = dir.appendingPathComponent("plain").path
        try whole.write(to: plain)
        let target = dir.appendingPathComponent("staged").path
        let staging = try PreparedTable.makeStaging(for: target, token: "t0k3n")
        #expect(PreparedTable.seesStaging(staging, token: "t0k3n"))
        #expect(!PreparedTable.seesStaging(staging, token: "other") && !PreparedTable.seesStaging(staging, token: ""))
        var columns = whole.columns
        for k in columns.indices where k % 2 == 1 {
            try PreparedTable.writeStaged(columns[k], into: staging)
            columns[k] = PreparedColumn(record: columns[k].record, buffer: try ColumnBuffer(mapping: staging + "/" + columns[k].record.file),
                                        dictionary: columns[k].dictionary, sha256: PreparedTable.digest(columns[k].buffer.bytes))
            columns[k].staged = true
        }
        let labels = Array(whole.labels)
        let split = SplitIndices(train: Array(whole.rows(of: .train)), validation: Array(whole.rows(of: .validation)), test: Array(whole.rows(of: .test)))
        let staged = PreparedTable.assemble(columns: columns, lines: Array(whole.lines.typed(Int.self)), target: .labels(labels), split: split,
                                            sources: whole.manifest.sources, config: whole.manifest.config, configSHA256: whole.manifest.configSHA256,
                                            writer: whole.manifest.writer, extras: whole.extras)
        staged.staging = staging
        try staged.write(to: target)
        #expect(!FileManager.default.fileExists(atPath: staging))
        #expect(!FileManager.default.fileExists(atPath: target + "/" + PreparedTable.stagingToken))
        #expect(try Data(contentsOf: URL(fileURLWithPath: target + "/SHA256SUMS")) == Data(contentsOf: URL(fileURLWithPath: plain + "/SHA256SUMS")))
        #expect(try PreparedTable.open(target, verification: .full).rows == whole.rows)
    }

    @Test func batchEncoderEqualsTheTableTransform() throws {
        // A numeric column with a missing cell and non-float32 values, a float32 one with missing
        // cells, and a categorical one (numeric columns go through the vectorized gather kernel).
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("mixed.csv").path
        var text = "a,b,color,y\n"
        for i in 0..<40 {
            text += "\(i % 7 == 0 ? "NA" : String(Double(i) * 0.1 + 1e-9)),\(i % 5 == 0 ? "NA" : String(Double(i) * 0.5 - 3)),"
            text += "\(["red", "green", "", "blue"][i % 4]),\(i % 2)\n"
        }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        for (scale, categorical) in [("standard", "onehot"), ("quantile", "onehot"), ("standard", "embedding")] {
            let c = try parse("data: {path: '\(csv)', target: y, task: classification, split: {validation: 0.25, test: 0.25}, preprocess: {scale: \(scale), categorical: \(categorical)}}").data
            let prepared = try PreparedData.prepare(c)
            let table = try Table.load(path: csv)
            #expect(prepared.table.manifest.columns.map(\.dtype) == ["f8", "f4", "i4"])
            #expect((prepared.preprocessor.features[0].quantiles != nil) == (scale == "quantile"))
            // Embedding codes: one column, blue/green/red -> 0/1/2, a missing cell the reserved 3.
            #expect(prepared.preprocessor.outputWidth == (categorical == "embedding" ? 3 : 5))
            if categorical == "embedding" { #expect(Set(prepared.train.x.values.enumerated().filter { $0.offset % 3 == 2 }.map(\.element)).isSubset(of: [0, 1, 2, 3])) }
            for split in [prepared.train, prepared.validation, prepared.test] {
                #expect(split.x == (try prepared.preprocessor.transform(table: table, rows: split.sourceRows)), "\(scale)")
            }
        }
    }

    @Test func secondRunReusesWithoutParsing() throws {
        let (dir, csv) = try irisCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("cache").path
        let c = try config(csv, cache: root)
        let first = try obtain(c, root: root)
        #expect(first.said.count == 1 && first.said[0].contains("data: prepared"), "\(first.said)")
        let second = try obtain(c, root: root)
        #expect(second.said.count == 1 && second.said[0].contains("reusing prepared dataset"), "\(second.said)")
        #expect(second.warned.isEmpty)
        #expect(second.0.manifest == first.0.manifest)
    }

    @Test func changedSourceOrConfigIsPreparedAgainSayingWhy() throws {
        let (dir, csv) = try irisCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("cache").path
        _ = try obtain(try config(csv, cache: root), root: root)
        // Touched but unchanged: still reused (the hash decides when size or time differ).
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: csv)
        #expect(try obtain(try config(csv, cache: root), root: root).said[0].contains("reusing"))
        let handle = try #require(FileHandle(forWritingAtPath: csv))
        handle.seekToEndOfFile()
        handle.write(Data("5.0,3.0,1.0,0.2,setosa\n".utf8))
        try handle.close()
        let changed = try obtain(try config(csv, cache: root), root: root)
        #expect(changed.said[0].contains("changed since it was prepared (size"), "\(changed.said)")
        #expect(changed.0.rows == 151)
        let seed = try obtain(try config(csv, cache: root, overrides: ["data.split.seed=8"]), root: root)
        #expect(seed.said[0].contains("data config differs") && seed.said[0].contains("split.seed"), "\(seed.said)")
    }

    @Test(arguments: ["truncate", "edit", "remove"])
    func damagedDatasetIsRebuiltWithAWarning(_ damage: String) throws {
        let (dir, csv) = try irisCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("cache").path
        let c = try config(csv, cache: root)
        let t = try obtain(c, root: root).0
        let file = try #require(t.directory) + "/" + t.manifest.columns[1].file
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        switch damage {
        case "truncate": bytes.removeLast(3)
        case "edit": bytes[5] ^= 0x40
        default: try FileManager.default.removeItem(atPath: file)
        }
        if damage != "remove" { try bytes.write(to: URL(fileURLWithPath: file)) }
        let again = try obtain(c, root: root)
        #expect(again.warned.count == 1, "\(again.warned)")
        let warning = again.warned.first ?? ""
        #expect(warning.contains(t.manifest.columns[1].file) && warning.contains("prepared again"), "\(warning)")
        #expect(again.said.first?.contains("damaged") == true, "\(again.said)")
        _ = try PreparedTable.open(try #require(again.0.directory), verification: .full)
    }

    @Test func concurrentPreparationsLeaveOneIntactDataset() throws {
        let (dir, csv) = try irisCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("cache").path
        let c = try config(csv, cache: root)
        let lines = LockedLines()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                _ = try DataCache(root: root).obtain(c, say: { lines.append($0) }, warn: { lines.append("warning: " + $0) })
            } catch { lines.append("error: \(error)") }
        }
        let all = lines.lines
        #expect(all.filter { $0.contains("data: prepared") }.count == 1, "\(all)")
        #expect(!all.contains { $0.hasPrefix("warning") || $0.hasPrefix("error") }, "\(all)")
        _ = try PreparedTable.open(try DataCache(root: root).directory(for: c), verification: .full)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func badRecordNamesTheLineAndLeavesNothing() throws {
        let (dir, csv) = try irisCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOfFile: csv, encoding: .utf8)
        text += "1.0,2.0,3.0\n"
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let root = dir.appendingPathComponent("cache").path
        #expect(throws: DataError.self) { _ = try obtain(try config(csv, cache: root), root: root) }
        do { _ = try obtain(try config(csv, cache: root), root: root) } catch {
            #expect("\(error)".contains("iris.csv:152: expected 5 fields"), "\(error)")
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasSuffix(".lock") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func dataPathMayBeAPreparedDataset() throws {
        let (dir, csv) = try irisCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("cache").path
        let t = try obtain(try config(csv, cache: root), root: root).0
        let direct = try PreparedData.prepare(try config(try #require(t.directory), cache: "off"))
        let memory = try PreparedData.prepare(try config(csv, cache: "off"))
        #expect(direct.train.x == memory.train.x && direct.test.labels == memory.test.labels)
        let other = try parse("data: {path: '\(t.directory ?? "")', target: petal_width, task: regression}").data
        #expect(throws: ConfigError.self) { _ = try PreparedData.prepare(other) }
    }
}

/// Lines appended from several threads.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}
