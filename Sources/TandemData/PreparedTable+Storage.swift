import Foundation
import TandemFormats
import TandemTensor
#if canImport(Glibc)
import Glibc
#endif

extension PreparedTable {
    /// How much `open` checks.
    public enum Verification: Sendable {
        /// Every file's size, and every file's SHA-256 when the dataset is at most
        /// `fullCheckLimit` bytes (else only the small files'): fast enough for every run.
        case quick
        /// Every file's size and SHA-256 (`tandem inspect`).
        case full
        /// Sizes and `prepared.json`'s checksum only: for a dataset this process has just
        /// written (and checksummed while writing).
        case sizes
    }

    /// Datasets up to this size are checksummed completely on every open (about 0.3 s).
    public static let fullCheckLimit = 256 << 20

    /// True if `path` is a directory holding `prepared.json`.
    public static func isPrepared(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent("prepared.json").path)
    }

    /// Maps the prepared dataset in `directory` after checking it. Throws `PreparedDataError`
    /// naming the file and what is wrong (missing, wrong size, checksum mismatch, bad format).
    public static func open(_ directory: String, verification: Verification = .quick) throws -> PreparedTable {
        let dir = URL(fileURLWithPath: directory, isDirectory: true)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        guard let manifestData = FileManager.default.contents(atPath: path("prepared.json")) else {
            throw PreparedDataError(.missing(directory: directory, file: "prepared.json"))
        }
        guard let sums = FileManager.default.contents(atPath: path("SHA256SUMS")) else {
            throw PreparedDataError(.missing(directory: directory, file: "SHA256SUMS"))
        }
        guard String(decoding: sums, as: UTF8.self).contains("\(SHA256.hex(manifestData))  prepared.json") else {
            throw PreparedDataError(.checksumMismatch(directory: directory, file: "prepared.json"))
        }
        let m: PreparedManifest
        do { m = try JSONDecoder().decode(PreparedManifest.self, from: manifestData) } catch {
            throw PreparedDataError(.unparsable(directory: directory, file: "prepared.json", detail: "\(error)"))
        }
        guard m.format == "tandem-prepared-dataset", m.formatVersion == PreparedManifest.currentFormat else {
            throw PreparedDataError(.unsupportedFormat(directory: directory, format: m.format, version: m.formatVersion, supported: PreparedManifest.currentFormat))
        }
        let total = m.files.values.reduce(0) { $0 + $1.bytes }
        let hashAll = verification == .full || (verification == .quick && total <= fullCheckLimit)
        var buffers: [String: ColumnBuffer] = [:]
        for (name, record) in m.files.sorted(by: { $0.key < $1.key }) {
            let buffer: ColumnBuffer
            do { buffer = try ColumnBuffer(mapping: path(name)) } catch {
                throw PreparedDataError(.missing(directory: directory, file: name))
            }
            guard buffer.count == record.bytes else {
                throw PreparedDataError(.wrongSize(directory: directory, file: name, bytes: buffer.count, expected: record.bytes))
            }
            if hashAll || (verification == .quick && name.hasSuffix(".json")) {
                guard digest(buffer.bytes) == record.sha256 else {
                    throw PreparedDataError(.checksumMismatch(directory: directory, file: name))
                }
            }
            buffers[name] = buffer
        }
        func file(_ name: String, elementSize: Int) throws -> ColumnBuffer {
            guard let b = buffers[name] else { throw PreparedDataError(.notListed(directory: directory, file: name)) }
            guard b.count == m.rows * elementSize || elementSize == 0 else {
                throw PreparedDataError(.notWholeRows(directory: directory, file: name, bytes: b.count, rows: m.rows))
            }
            return b
        }
        var columns: [PreparedColumn] = []
        for record in m.columns {
            let size = ["f4": 4, "f8": 8, "i4": 4][record.dtype] ?? 0
            guard size > 0 else { throw PreparedDataError(.unknownDType(directory: directory, column: record.name, dtype: record.dtype)) }
            let buffer = try file(record.file, elementSize: size)
            var dictionary: [String] = []
            if let d = record.dictionary {
                do { dictionary = try JSONDecoder().decode([String].self, from: Data(try file(d, elementSize: 0).bytes)) } catch let e as PreparedDataError { throw e } catch {
                    throw PreparedDataError(.unparsable(directory: directory, file: d, detail: "\(error)"))
                }
            }
            columns.append(PreparedColumn(record: record, buffer: buffer, dictionary: dictionary))
        }
        let parts = SplitPart.allCases.map { "split-\($0.name).i8" }
        let splitRows = try zip(parts, m.splitRows).map { name, count -> ColumnBuffer in
            let b = try file(name, elementSize: 0)
            guard b.count == count * 8 else { throw PreparedDataError(.wrongRowCount(directory: directory, file: name, rows: b.count / 8, expected: count)) }
            return b
        }
        var extras: [String: Data] = [:]
        for name in m.files.keys where name.hasSuffix(".json") && !name.hasPrefix("columns/") { extras[name] = Data(try file(name, elementSize: 0).bytes) }
        return PreparedTable(manifest: m, directory: directory, columns: columns, target: try file(m.target.file, elementSize: 4),
                             lines: try file("lines.i8", elementSize: 8), splitCodes: try file("split.u1", elementSize: 1),
                             splitRows: splitRows, extras: extras)
    }

    /// Writes the dataset to `directory` atomically: into a temporary sibling directory, every
    /// file and the directory fsynced, then renamed over `directory` (a dataset already there is
    /// replaced). Throws `PreparedDataError` naming the path that failed (e.g. a full disk);
    /// the temporary directory is removed then, so nothing half-written is left to be used.
    ///
    /// With `staging` set (`makeStaging(for:token:)`), that is the temporary directory, and the columns
    /// marked `staged` are already in it (written and fsynced by the ranks that stored them).
    public func write(to directory: String) throws {
        let fm = FileManager.default
        let final = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        let parent = final.deletingLastPathComponent()
        let tmp: URL
        if let staging {
            tmp = URL(fileURLWithPath: staging, isDirectory: true)
            try? fm.removeItem(at: tmp.appendingPathComponent(Self.stagingToken))
        } else {
            tmp = URL(fileURLWithPath: try Self.makeStaging(for: directory), isDirectory: true)
        }
        do {
            var files: [String: PreparedManifest.FileRecord] = [:]
            func put(_ name: String, _ bytes: UnsafeRawBufferPointer, sha256: String? = nil) throws {
                try Self.durableWrite(bytes, to: tmp.appendingPathComponent(name).path)
                files[name] = .init(bytes: bytes.count, sha256: sha256 ?? Self.digest(bytes))
            }
            for c in columns {
                if c.staged {
                    // Already in `tmp` (and mapped by `buffer`: writing it again would truncate what is mapped).
                    files[c.record.file] = .init(bytes: c.buffer.count, sha256: c.sha256 ?? Self.digest(c.buffer.bytes))
                } else {
                    try put(c.record.file, c.buffer.bytes, sha256: c.sha256)
                }
                if let d = c.record.dictionary {
                    let json = try JSONEncoder().encode(c.dictionary)
                    try json.withUnsafeBytes { try put(d, $0) }
                }
            }
            for (name, buffer) in rowFiles {
                if let written = stagedRows[name], written.bytes == buffer.count { files[name] = written } else { try put(name, buffer.bytes) }
            }
            for (name, data) in extras.sorted(by: { $0.key < $1.key }) { try data.withUnsafeBytes { try put(name, $0) } }
            var m = manifest
            m.files = files
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let manifestData = try encoder.encode(m)
            try manifestData.withUnsafeBytes { try Self.durableWrite($0, to: tmp.appendingPathComponent("prepared.json").path) }
            let sums = (files.map { ($0.key, $0.value.sha256) } + [("prepared.json", SHA256.hex(manifestData))])
                .sorted { $0.0 < $1.0 }.map { "\($0.1)  \($0.0)\n" }.joined()
            try Data(sums.utf8).withUnsafeBytes { try Self.durableWrite($0, to: tmp.appendingPathComponent("SHA256SUMS").path) }
            try Self.fsyncPath(tmp.appendingPathComponent("columns").path)
            try Self.fsyncPath(tmp.path)
            if fm.fileExists(atPath: final.path) {
                let old = parent.appendingPathComponent(".\(final.lastPathComponent).old-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
                try fm.moveItem(at: final, to: old)
                try? fm.removeItem(at: old)
            }
            guard rename(tmp.path, final.path) == 0 else {
                throw PreparedDataError(.fileSystem(.rename(to: final.path), path: tmp.path, detail: String(cString: strerror(errno))))
            }
            try Self.fsyncPath(parent.path)
        } catch {
            try? fm.removeItem(at: tmp)
            if let e = error as? PreparedDataError { throw e }
            throw PreparedDataError(.fileSystem(.writeDataset, path: final.path, detail: error.localizedDescription))
        }
    }

    /// The name of the file `makeStaging` leaves in the staging directory (removed by `write`).
    public static let stagingToken = ".staging-token"

    /// Creates the temporary sibling directory `write(to: directory)` writes into (with its
    /// `columns/`) and returns its path. A non-empty `token` is written into it as
    /// `stagingToken`, so that another process can check that it sees the same directory
    /// (`seesStaging`) before writing column files into it (`writeStaged`). The caller removes
    /// the directory if the dataset is not written.
    public static func makeStaging(for directory: String, token: String = "") throws -> String {
        let final = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        let parent = final.deletingLastPathComponent()
        let tmp = parent.appendingPathComponent(".\(final.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: tmp.appendingPathComponent("columns"), withIntermediateDirectories: true)
        } catch {
            throw PreparedDataError(.fileSystem(.create, path: tmp.path, detail: error.localizedDescription))
        }
        if !token.isEmpty {
            do { try Data(token.utf8).withUnsafeBytes { try durableWrite($0, to: tmp.appendingPathComponent(stagingToken).path) } } catch {
                try? FileManager.default.removeItem(at: tmp)
                throw error
            }
        }
        return tmp.path
    }

    /// Whether `staging` is a staging directory this process sees with `token` in it.
    public static func seesStaging(_ staging: String, token: String) -> Bool {
        guard !token.isEmpty, let data = FileManager.default.contents(atPath: staging + "/" + stagingToken) else { return false }
        return String(decoding: data, as: UTF8.self) == token
    }

    /// Writes `column`'s bytes to its file in the staging directory `staging` and fsyncs it
    /// (the column is then `staged`). Throws `PreparedDataError` naming the path.
    public static func writeStaged(_ column: PreparedColumn, into staging: String) throws {
        try durableWrite(column.buffer.bytes, to: staging + "/" + column.record.file)
    }

    /// The files of every row (target, lines, split) by name, as `write(to:)` writes them.
    var rowFiles: [(name: String, buffer: ColumnBuffer)] {
        [(manifest.target.file, target), ("lines.i8", lines), ("split.u1", splitCodes)]
            + zip(SplitPart.allCases, splitRows).map { ("split-\($0.name).i8", $1) }
    }

    /// Writes (and fsyncs) this table's row files (target, lines, split) into `staging` and
    /// returns their records by name; a table given them as `stagedRows` does not write them
    /// again. Rank 0 of a parallel preparation writes them while the last rank still hashes the
    /// source, whose stamp the rest of the dataset waits for.
    public func writeRows(into staging: String) throws -> [String: PreparedManifest.FileRecord] {
        var files: [String: PreparedManifest.FileRecord] = [:]
        for (name, buffer) in rowFiles {
            try Self.durableWrite(buffer.bytes, to: staging + "/" + name)
            files[name] = .init(bytes: buffer.count, sha256: Self.digest(buffer.bytes))
        }
        return files
    }

    /// SHA-256 of `bytes`, lowercase hex.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> String {
        var h = SHA256()
        h.update(bytes)
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Writes `bytes` to a new file at `path` and fsyncs it; errors name the path and the reason.
    static func durableWrite(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw PreparedDataError(.fileSystem(.create, path: path, detail: String(cString: strerror(errno)))) }
        defer { close(fd) }
        let status = FileDescriptorWrite.all(bytes, to: fd).error
        guard status == 0 else { throw PreparedDataError(.fileSystem(.write, path: path, detail: String(cString: strerror(status)))) }
        guard fsync(fd) == 0 else { throw PreparedDataError(.fileSystem(.write, path: path, detail: "fsync failed: " + String(cString: strerror(errno)))) }
    }

    static func fsyncPath(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw PreparedDataError(.fileSystem(.openToSync, path: path, detail: String(cString: strerror(errno)))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PreparedDataError(.fileSystem(.sync, path: path, detail: String(cString: strerror(errno)))) }
    }
}
