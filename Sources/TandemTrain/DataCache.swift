import Foundation
import TandemData
import TandemTensor
#if canImport(Glibc)
import Glibc
#endif

/// A directory of prepared datasets, one per source file and data config
/// (`<root>/<file name>-<first 16 hex digits of the config's SHA-256>`).
///
/// `obtain` reuses a dataset whose sources are unchanged and that verifies, and otherwise
/// prepares one, saying why in one line. Preparation holds an exclusive `flock` on
/// `<dataset>.lock`, so a second job asking for the same dataset waits and then reuses it, and
/// the dataset is written atomically (temporary directory, fsync, rename): a cache entry is
/// either complete or absent, never half-written.
struct DataCache {
    /// The directory holding the prepared datasets.
    let root: String

    /// The cache a job uses: `auto` is `.prepared/` next to the run directory, `off` none.
    static func resolve(_ setting: DataCacheSetting, outputDir: String) -> DataCache? {
        switch setting {
        case .off: return nil
        case .path(let p): return DataCache(root: p)
        case .auto:
            let parent = URL(fileURLWithPath: outputDir).standardizedFileURL.deletingLastPathComponent()
            return DataCache(root: parent.appendingPathComponent(".prepared").path)
        }
    }

    /// The directory for `config`'s prepared dataset.
    func directory(for config: DataConfig) throws -> String {
        let name = URL(fileURLWithPath: config.path).lastPathComponent
        return URL(fileURLWithPath: root).appendingPathComponent("\(name)-\(try DataPreparation.identity(config).sha256.prefix(16))").path
    }

    /// The prepared dataset of `config`, reused or prepared now; `say` gets the one line about
    /// which and why, `warn` the line about a damaged dataset that is rebuilt.
    /// `directory` overrides where the dataset goes (`tandem prepare --output`); `build`
    /// prepares it when needed (default `DataPreparation.build`).
    func obtain(_ config: DataConfig, directory explicit: String? = nil, say: (String) -> Void, warn: (String) -> Void,
                build: ((String) throws -> PreparedTable)? = nil) throws -> PreparedTable {
        let dir = try explicit ?? directory(for: config)
        do { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) } catch {
            throw PreparedDataError(.fileSystem(.createCacheDirectory, path: root, detail: error.localizedDescription))
        }
        let lock = try Self.lock(dir + ".lock", waiting: { say("data: waiting for another process preparing \(dir)") })
        defer { close(lock) }
        var reason: String
        if FileManager.default.fileExists(atPath: dir) {
            do {
                let begin = ContinuousClock.now
                let table = try PreparedTable.open(dir)
                let id = try DataPreparation.identity(config)
                if table.manifest.configSHA256 != id.sha256 {
                    reason = "the data config changed since it was prepared: \(Self.changedKeys(table.manifest.config, id.json).joined(separator: ", "))"
                } else if let why = try changedSource(table) {
                    reason = why
                } else {
                    say("data: reusing prepared dataset \(dir) (\(table.rows) rows; sources unchanged; opened in \(String(format: "%.2f", begin.secondsElapsed)) s)")
                    return table
                }
            } catch let e as PreparedDataError {
                warn("prepared dataset \(e.directory == dir ? e.description : "\(dir): \(e.description)"); it is not used and is prepared again")
                reason = "the previous one was damaged"
            }
        } else {
            reason = try differences(from: config) ?? "no prepared dataset for this source and data config yet"
        }
        let begin = ContinuousClock.now
        let table = try build?(dir) ?? DataPreparation.build(config)
        try table.write(to: dir)
        say("data: prepared \(dir) in \(String(format: "%.2f", begin.secondsElapsed)) s (\(reason))")
        return try PreparedTable.open(dir, verification: .sizes)
    }

    /// Why a prepared dataset's sources no longer match the files (nil when they do).
    func changedSource(_ table: PreparedTable) throws -> String? {
        for stamp in table.manifest.sources {
            if let why = try stamp.change(of: stamp.path) { return why }
        }
        return nil
    }

    /// "the data config changed (split.seed, ...)" when the cache holds a dataset of the same
    /// source prepared with another data config; nil when there is none.
    func differences(from config: DataConfig) throws -> String? {
        let now = try DataPreparation.identity(config).json
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return nil }
        let prefix = URL(fileURLWithPath: config.path).lastPathComponent + "-"
        for name in names.sorted() where name.hasPrefix(prefix) && !name.hasSuffix(".lock") && !name.hasPrefix(".") {
            let manifest = URL(fileURLWithPath: root).appendingPathComponent(name).appendingPathComponent("prepared.json")
            guard let data = FileManager.default.contents(atPath: manifest.path),
                  let m = try? JSONDecoder().decode(PreparedManifest.self, from: data), m.sources.first?.path == config.path else { continue }
            let keys = Self.changedKeys(m.config, now)
            if !keys.isEmpty { return "the data config differs from the one prepared in \(name): \(keys.joined(separator: ", "))" }
        }
        return nil
    }

    /// Dotted keys whose values differ between two JSON objects.
    static func changedKeys(_ a: String, _ b: String) -> [String] {
        func parse(_ s: String) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: Any] ?? [:] }
        func flatten(_ o: [String: Any], _ prefix: String, into out: inout [String: String]) {
            for (k, v) in o {
                if let nested = v as? [String: Any] { flatten(nested, prefix + k + ".", into: &out) } else { out[prefix + k] = "\(v)" }
            }
        }
        var fa: [String: String] = [:], fb: [String: String] = [:]
        flatten(parse(a), "", into: &fa)
        flatten(parse(b), "", into: &fb)
        return Set(fa.keys).union(fb.keys).filter { fa[$0] != fb[$0] }.sorted()
    }

    /// Opens and exclusively locks `path` (created if needed), calling `waiting` once if another
    /// process holds it; returns the descriptor (closing it releases the lock). Close-on-exec: a
    /// child another thread spawns meanwhile (a sweep's trial, a test's subprocess) must not
    /// inherit the descriptor, or the lock would stay held until that child exits.
    static func lock(_ path: String, waiting: () -> Void) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PreparedDataError(.fileSystem(.createLockFile, path: path, detail: String(cString: strerror(errno)))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            waiting()
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(fd)
                    throw PreparedDataError(.fileSystem(.lock, path: path, detail: String(cString: strerror(errno))))
                }
            }
        }
        return fd
    }
}
