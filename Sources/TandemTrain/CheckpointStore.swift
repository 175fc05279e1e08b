import Foundation
import TandemFormats
import TandemMetrics
import TandemTensor

/// A checkpoint on disk: `step-N/` with `tensors.safetensors`, `manifest.json` and `SHA256SUMS`
/// (sha256sum format, covering both files, so `sha256sum -c SHA256SUMS` verifies by hand too).
public struct Checkpoint: Sendable {
    public var directory: URL
    public var manifest: CheckpointManifest
    public var tensors: [NamedTensor]

    /// The tensor named `name`, if present.
    public func tensor(_ name: String) -> NamedTensor? { tensors.first { $0.name == name } }
}

/// Writes, lists, verifies and prunes the checkpoints of one run (`<output>/checkpoints/`).
public struct CheckpointStore: Sendable {
    public let root: URL

    public init(runDirectory: String) {
        root = URL(fileURLWithPath: runDirectory, isDirectory: true).appendingPathComponent("checkpoints", isDirectory: true)
    }

    /// The tensor file's `__metadata__`.
    static let metadata = ["format": "tandem-checkpoint"]

    /// Writes `step-N/` atomically: into `step-N.tmp/`, fsync of every file and the directory,
    /// rename, fsync of the parent. A failure names the path and leaves existing checkpoints alone.
    /// `tensors.safetensors` is written from `image` (filled by `CheckpointWriter`'s snapshot)
    /// with direct I/O where the file system allows (`DirectWrite`), the same bytes either way.
    public func write(manifest: CheckpointManifest, image: SafeTensorsImage) throws -> URL {
        let fm = FileManager.default
        let final = root.appendingPathComponent("step-\(manifest.state.step)", isDirectory: true)
        let tmp = root.appendingPathComponent("step-\(manifest.state.step).tmp", isDirectory: true)
        do {
            try fm.createDirectory(at: root, withIntermediateDirectories: true)
            if fm.fileExists(atPath: tmp.path) { try fm.removeItem(at: tmp) }
            try fm.createDirectory(at: tmp, withIntermediateDirectories: false)
        } catch {
            throw CheckpointError("cannot create checkpoint directory \(tmp.path): \(error.localizedDescription)")
        }
        let blobDigest = SHA256.hex(image.bytes)
        var m = manifest
        m.files = ["tensors.safetensors": blobDigest]
        m.tensors = image.tensors.map { .init(name: $0.name, shape: $0.shape) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let manifestData: Data
        do { manifestData = try encoder.encode(m) } catch { throw CheckpointError("cannot encode the manifest: \(error)") }
        let sums = "\(blobDigest)  tensors.safetensors\n\(SHA256.hex(manifestData))  manifest.json\n"
        try DirectWrite.write(image, to: tmp.appendingPathComponent("tensors.safetensors").path)
        try durableWrite(manifestData, to: tmp.appendingPathComponent("manifest.json"))
        FaultInjection.inCheckpoint(step: manifest.state.step)
        try durableWrite(Data(sums.utf8), to: tmp.appendingPathComponent("SHA256SUMS"))
        try fsyncPath(tmp)
        do {
            if fm.fileExists(atPath: final.path) { try fm.removeItem(at: final) }
            try fm.moveItem(at: tmp, to: final)
        } catch {
            throw CheckpointError("cannot rename \(tmp.path) to \(final.path): \(error.localizedDescription)")
        }
        try fsyncPath(root)
        return final
    }

    /// Checkpoint directories `step-N` (finished ones only), newest first.
    public func list() -> [(step: Int, url: URL)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return [] }
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("step-"), let n = Int(name.dropFirst(5)) else { return nil }
            return (n, root.appendingPathComponent(name, isDirectory: true))
        }.sorted { $0.0 > $1.0 }
    }

    /// Reads and verifies the checkpoint at `url`: SHA256SUMS, manifest format, every checksum,
    /// the manifest's internal consistency (`validate`) and the safetensors structure. Throws a `CheckpointError` saying what is wrong.
    public static func load(_ url: URL) throws -> Checkpoint {
        let name = url.lastPathComponent
        func read(_ file: String) throws -> Data {
            let path = url.appendingPathComponent(file).path
            guard let d = FileManager.default.contents(atPath: path) else { throw CheckpointError("\(name): \(file) is missing or unreadable") }
            return d
        }
        let sums = String(decoding: try read("SHA256SUMS"), as: UTF8.self)
        var expected: [String: String] = [:]
        for line in sums.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2 { expected[String(parts[1])] = String(parts[0]) }
        }
        let manifestData = try read("manifest.json")
        guard let ms = expected["manifest.json"], ms == SHA256.hex(manifestData) else {
            throw CheckpointError("\(name): checksum mismatch in manifest.json")
        }
        let manifest: CheckpointManifest
        do { manifest = try JSONDecoder().decode(CheckpointManifest.self, from: manifestData) } catch {
            throw CheckpointError("\(name): manifest.json does not parse: \(error)")
        }
        guard manifest.formatVersion == CheckpointManifest.currentFormat else {
            throw CheckpointError("\(name): format_version \(manifest.formatVersion) is not supported (this tandem reads \(CheckpointManifest.currentFormat))")
        }
        do { try manifest.validate() } catch { throw CheckpointError("\(name): \(error)") }
        let blob = try read("tensors.safetensors")
        let digest = SHA256.hex(blob)
        guard expected["tensors.safetensors"] == digest, manifest.files["tensors.safetensors"] == digest else {
            throw CheckpointError("\(name): checksum mismatch in tensors.safetensors")
        }
        let tensors: [NamedTensor]
        do { tensors = try SafeTensors.decode(blob).tensors } catch { throw CheckpointError("\(name): tensors.safetensors: \(error)") }
        guard tensors.map({ CheckpointManifest.TensorRecord(name: $0.name, shape: $0.shape) }).sorted(by: { $0.name < $1.name })
                == manifest.tensors.sorted(by: { $0.name < $1.name }) else {
            throw CheckpointError("\(name): the tensors do not match the manifest's list")
        }
        return Checkpoint(directory: url, manifest: manifest, tensors: tensors)
    }

    /// The newest checkpoint that verifies; `warn` is called for each one skipped, with why.
    public func newestValid(warn: (String) -> Void) -> Checkpoint? {
        for (_, url) in list() {
            do { return try CheckpointStore.load(url) } catch { warn("skipping checkpoint \(url.lastPathComponent): \("\(error)".replacingOccurrences(of: "\(url.lastPathComponent): ", with: ""))") }
        }
        return nil
    }

    /// Removes all but the newest `keep` checkpoints and, when `bestBy` is given, the one whose
    /// manifest has the best `metric_value` in that direction; also stale `*.tmp` directories
    /// left by interrupted writes.
    public func prune(keep: Int, bestBy direction: MetricDirection?) {
        let all = list()
        var keepSteps = Set(all.prefix(keep).map(\.step))
        if let direction {
            var best: (step: Int, value: Double)?
            for (step, url) in all {
                guard let data = FileManager.default.contents(atPath: url.appendingPathComponent("manifest.json").path),
                      let m = try? JSONDecoder().decode(CheckpointManifest.self, from: data), let v = m.state.metricValue, v.isFinite else { continue }
                if best == nil || direction.isBetter(v, than: best?.value ?? v) { best = (step, v) }
            }
            if let best { keepSteps.insert(best.step) }
        }
        for (step, url) in all where !keepSteps.contains(step) { try? FileManager.default.removeItem(at: url) }
        if let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) {
            for n in names where n.hasSuffix(".tmp") { try? FileManager.default.removeItem(at: root.appendingPathComponent(n)) }
        }
    }

    private func durableWrite(_ data: Data, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: data) else {
            throw CheckpointError("cannot write \(url.path) (disk full or no permission?)")
        }
        try fsyncPath(url)
    }

    private func fsyncPath(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CheckpointError("cannot open \(url.path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CheckpointError("fsync of \(url.path) failed: \(String(cString: strerror(errno)))") }
    }
}

/// A checkpoint could not be written, read, verified, or used with this config.
public struct CheckpointError: KindedError, CustomStringConvertible, Sendable {
    /// Why the checkpoint cannot be used.
    public enum Reason: Sendable, Equatable {
        /// It is sound but was saved under another config: `field` (a config key or a model
        /// property) differs. The user chose it; a restart cannot fix it.
        case incompatible(field: String)
        /// It cannot be written, read or verified (I/O, a damaged or inconsistent file).
        case unusable
    }

    public let description: String
    /// Why the checkpoint cannot be used (the message says it in words).
    public let reason: Reason

    /// An error about a checkpoint that cannot be written, read or verified.
    public init(_ description: String) {
        self.description = description
        reason = .unusable
    }

    /// An error about a checkpoint that does not fit this config in `field`.
    public init(incompatible field: String, _ description: String) {
        self.description = description
        reason = .incompatible(field: field)
    }

    /// `.userInput` for an incompatible checkpoint, `.environment` for an unusable one.
    public var kind: FailureKind {
        if case .incompatible = reason { return .userInput }
        return .environment
    }
}
