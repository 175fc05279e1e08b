import ArgumentParser
import Foundation
import TandemData

/// `tandem inspect` on a prepared dataset: its source, config, columns and splits, after
/// checking every file's size and SHA-256.
enum InspectPrepared {
    static func show(_ path: String) throws {
        let table: PreparedTable
        do { table = try PreparedTable.open(path, verification: .full) } catch {
            print("\(path): does not verify: \(error)")
            throw ExitCode(1)
        }
        let m = table.manifest
        print("prepared dataset \(path)")
        print("format       \(m.format) \(m.formatVersion) (\(m.writer))")
        print("rows         \(m.rows): train \(m.splitRows[0]), validation \(m.splitRows[1]), test \(m.splitRows[2])")
        for s in m.sources {
            let modified = Date(timeIntervalSince1970: Double(s.mtimeNanoseconds) / 1e9)
            var state = "unchanged"
            do { state = try s.change(of: s.path) ?? "unchanged" } catch { state = "not readable now (\(error))" }
            print("source       \(s.path), \(s.size) bytes, modified \(modified), sha256 \(s.sha256): \(state)")
        }
        print("data config  \(m.config)")
        print("target       \(m.target.kind == .categorical ? "class indices" : "values") (\(m.target.file))")
        print("features     \(m.columns.count):")
        for (c, column) in zip(m.columns, table.columns) {
            let detail: String
            if c.kind == .numeric {
                detail = "\(c.dtype == "f4" ? "float32" : "float64"), range \(c.min.map { "\($0)" } ?? "-") .. \(c.max.map { "\($0)" } ?? "-")"
            } else {
                detail = "\(column.dictionary.count) categories"
            }
            print("  \(c.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(c.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(detail), \(c.missing) missing")
        }
        let bytes = m.files.values.reduce(0) { $0 + $1.bytes }
        print("files        \(m.files.count + 2), \(bytes) bytes; checksums ok (SHA256SUMS, prepared.json, every file)")
    }
}
