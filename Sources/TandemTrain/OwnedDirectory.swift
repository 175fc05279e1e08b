import Foundation
import TandemTensor

/// A directory Tandem writes into (a run or a sweep), and the only way Tandem removes anything.
///
/// Tandem may replace or remove only what it wrote itself. A directory becomes Tandem's when
/// Tandem claims it: claiming creates the directory (or takes an existing one) and writes the
/// marker file `.tandem`. Removal then touches exactly the entries listed as `OwnedEntry`
/// patterns (file names, `model/`'s three files, `checkpoints/step-N/`, ...), and only inside a
/// marked directory. Anything else in the way is an error that names it: an existing directory
/// without the marker that holds a file Tandem would write, or a file Tandem does not write
/// inside one of its subdirectories (a user's notes in `model/`).
///
/// The path itself is validated first: an empty path, the current directory or one of its
/// parents (`.`, `..`, `/`) is never a run directory.
public struct OwnedDirectory: Sendable {
    /// The marker file that says Tandem claimed this directory.
    public static let markerName = ".tandem"

    /// The directory.
    public let url: URL
    /// The path as given, for messages.
    public let path: String

    /// Validates `path` as an output directory; `key` names where it came from in errors
    /// (`output.dir`, `--output`). Throws `OutputDirectoryError` for an empty path or one that
    /// is the current directory or one of its parents.
    public init(validating path: String, key: String) throws {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OutputDirectoryError("\(key) is empty; a run needs a directory of its own, e.g. runs/NAME")
        }
        let resolved = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL.resolvingSymlinksInPath()
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            .standardizedFileURL.resolvingSymlinksInPath()
        if Self.isSameOrAncestor(resolved.path, of: cwd.path) {
            throw OutputDirectoryError("\(key) '\(path)' is \(resolved.path == cwd.path ? "the current directory" : "a parent of the current directory") (\(resolved.path)); a run needs a directory of its own, e.g. runs/NAME")
        }
        url = URL(fileURLWithPath: path, isDirectory: true)
        self.path = path
    }

    /// Whether `a` is `b` or one of its ancestors (both absolute, standardized paths).
    static func isSameOrAncestor(_ a: String, of b: String) -> Bool {
        let trimmed = a.count > 1 && a.hasSuffix("/") ? String(a.dropLast()) : a
        return trimmed == "/" || b == trimmed || b.hasPrefix(trimmed + "/")
    }

    var marker: URL { url.appendingPathComponent(Self.markerName) }

    /// Whether Tandem has claimed this directory (its marker exists).
    public var isClaimed: Bool { FileManager.default.fileExists(atPath: marker.path) }

    /// Throws when claiming this directory for `entries` would replace something Tandem did
    /// not write: an existing directory without the marker must not hold any of `entries` (the
    /// names Tandem is about to write), and in a claimed one each entry present must hold only
    /// what Tandem writes. The error names the first such path.
    public func checkClaimable(_ entries: [OwnedEntry]) throws {
        if isClaimed {
            for entry in entries { try entry.checkRemovable(in: url) }
        } else if let found = entries.lazy.compactMap({ $0.present(in: url) }).first {
            throw OutputDirectoryError("\(found.path) is in the way: \(path) was not created by tandem (it has no \(Self.markerName) marker), so tandem will not replace it; move it away or choose another output directory")
        }
    }

    /// Creates the directory if needed and marks it as Tandem's, after `checkClaimable`.
    /// `trusted` claims an unmarked directory regardless (a run whose checkpoint just verified
    /// was written by Tandem).
    public func claim(_ entries: [OwnedEntry], trusted: Bool = false) throws {
        if !trusted { try checkClaimable(entries) }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            if !isClaimed { try Data("tandem output directory; tandem removes only the files it wrote here\n".utf8).write(to: marker) }
        } catch {
            throw OutputDirectoryError("cannot create the output directory \(path): \(error.localizedDescription)")
        }
    }

    /// Removes the existing `entries` from this claimed directory. Throws, before removing
    /// anything, when the directory is not claimed or an entry holds something Tandem does not
    /// write (naming it).
    public func remove(_ entries: [OwnedEntry]) throws {
        guard isClaimed else {
            throw OutputDirectoryError("refusing to remove files from \(path): it has no \(Self.markerName) marker, so tandem did not create it")
        }
        for entry in entries { try entry.checkRemovable(in: url) }
        for entry in entries { try entry.remove(in: url) }
    }
}

/// One kind of file or directory that Tandem writes inside an output directory.
public indirect enum OwnedEntry: Sendable {
    /// A file with this exact name.
    case file(String)
    /// Files whose names start with this prefix (TensorBoard's `events.out.tfevents.*`).
    case files(prefix: String)
    /// A directory holding only `contents`; removed with them, never with anything else.
    case directory(String, [OwnedEntry])
    /// Directories named `prefix` + digits (+ `suffix`), each holding only `contents`
    /// (`checkpoints/step-N/`, `step-N.tmp/`).
    case numbered(prefix: String, suffixes: [String], [OwnedEntry])
    /// Subdirectories that are claimed output directories themselves, each holding only
    /// `contents` and its marker (a sweep's trial runs).
    case claimedSubdirectories([OwnedEntry])

    /// The names in `dir` this entry matches.
    func matches(in dir: URL) -> [URL] {
        let fm = FileManager.default
        switch self {
        case .file(let name), .directory(let name, _):
            let u = dir.appendingPathComponent(name)
            return fm.fileExists(atPath: u.path) || Self.isSymlink(u) ? [u] : []
        case .files(let prefix):
            return names(in: dir).filter { $0.hasPrefix(prefix) }.map { dir.appendingPathComponent($0) }
        case .numbered(let prefix, let suffixes, _):
            return names(in: dir).filter { Self.isNumbered($0, prefix: prefix, suffixes: suffixes) }.map { dir.appendingPathComponent($0) }
        case .claimedSubdirectories:
            return names(in: dir).map { dir.appendingPathComponent($0) }
                .filter { Self.isDirectory($0) && fm.fileExists(atPath: $0.appendingPathComponent(OwnedDirectory.markerName).path) }
        }
    }

    /// The first existing path this entry matches in `dir`, if any.
    func present(in dir: URL) -> URL? { matches(in: dir).first }

    /// Throws when removing this entry from `dir` would remove something Tandem does not write.
    func checkRemovable(in dir: URL) throws {
        for u in matches(in: dir) {
            switch self {
            case .file, .files:
                if Self.isDirectory(u) { throw OutputDirectoryError("\(u.path) is a directory, where tandem writes a file; move it away") }
            case .directory(_, let contents), .numbered(_, _, let contents):
                try Self.checkOnly(contents, in: u)
            case .claimedSubdirectories(let contents):
                try Self.checkOnly(contents + [.file(OwnedDirectory.markerName)], in: u)
            }
        }
    }

    /// Removes what this entry matches in `dir` (after `checkRemovable`).
    func remove(in dir: URL) throws {
        let fm = FileManager.default
        for u in matches(in: dir) {
            do {
                switch self {
                case .file, .files:
                    try fm.removeItem(at: u)
                case .directory(_, let contents), .numbered(_, _, let contents):
                    for entry in contents { try entry.remove(in: u) }
                    try fm.removeItem(at: u)
                case .claimedSubdirectories(let contents):
                    for entry in contents + [.file(OwnedDirectory.markerName)] { try entry.remove(in: u) }
                    try fm.removeItem(at: u)
                }
            } catch let e as OutputDirectoryError {
                throw e
            } catch {
                throw OutputDirectoryError("cannot remove \(u.path): \(error.localizedDescription)")
            }
        }
    }

    /// Throws naming the first entry of directory `u` that none of `contents` matches.
    static func checkOnly(_ contents: [OwnedEntry], in u: URL) throws {
        guard isDirectory(u) else { throw OutputDirectoryError("\(u.path) is a file, where tandem writes a directory; move it away") }
        var known = Set<String>()
        for entry in contents {
            try entry.checkRemovable(in: u)
            for m in entry.matches(in: u) { known.insert(m.lastPathComponent) }
        }
        if let stranger = names(in: u).first(where: { !known.contains($0) }) {
            throw OutputDirectoryError("\(u.appendingPathComponent(stranger).path) was not written by tandem; tandem will not remove it or the directory holding it: move it away or choose another output directory")
        }
    }

    func names(in dir: URL) -> [String] { Self.names(in: dir) }

    static func names(in dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    static func isDirectory(_ u: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: u.path, isDirectory: &isDir) && isDir.boolValue && !isSymlink(u)
    }

    static func isSymlink(_ u: URL) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: u.path)[.type]) as? FileAttributeType) == .typeSymbolicLink
    }

    static func isNumbered(_ name: String, prefix: String, suffixes: [String]) -> Bool {
        guard name.hasPrefix(prefix) else { return false }
        var rest = Substring(name.dropFirst(prefix.count))
        if let s = suffixes.first(where: { rest.hasSuffix($0) }) { rest = rest.dropLast(s.count) }
        return !rest.isEmpty && rest.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// What Tandem writes, as `OwnedEntry` patterns, in one place.
public enum OwnedEntries {
    /// An exported model directory (`model/`).
    public static let model: OwnedEntry = .directory("model", [.file("model.json"), .file("model.safetensors"), .file("model.onnx")])
    /// `checkpoints/` with its `step-N/` (and interrupted `step-N.tmp/`) directories.
    public static let checkpoints: OwnedEntry = .directory("checkpoints", [
        .numbered(prefix: "step-", suffixes: [".tmp"], [.file("tensors.safetensors"), .file("manifest.json"), .file("SHA256SUMS")]),
    ])
    /// A run's results, replaced by every new or resumed run.
    public static let runResults: [OwnedEntry] = [
        .file("summary.json"), .file("failure.json"), .file("params.safetensors"), .file("predictions.csv"),
        .file("report.html"), model,
    ]
    /// Everything a run writes.
    public static let run: [OwnedEntry] = runResults + [
        .file("config.yaml"), .file("slurm.json"), .file("metrics.jsonl"), .files(prefix: "events.out.tfevents."), checkpoints,
    ]
    /// Everything a sweep writes (its trials are runs).
    public static let sweep: [OwnedEntry] = [
        .directory("trials", [.claimedSubdirectories(run)]), model,
        .file("sweep.jsonl"), .file("results.csv"), .file("results.jsonl"), .file("best.json"),
        .file("optuna.journal"),
    ]
}

/// An output directory is invalid, or holds something in the way that Tandem did not write.
public struct OutputDirectoryError: KindedError, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    /// Always `.userInput`: a restart cannot fix it.
    public var kind: FailureKind { .userInput }
}
