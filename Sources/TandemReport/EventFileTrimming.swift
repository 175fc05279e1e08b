import Foundation

/// Cuts a run's TensorBoard event files back to what was written up to a checkpoint, as a
/// resumed run cuts `metrics.jsonl` back, so no point appears twice.
public enum EventFileTrimming {
    /// The `events.out.tfevents.<seconds>.<host>[.n]` files in `directory`, oldest first.
    public static func eventFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasPrefix("events.out.tfevents.") } ?? []
        func key(_ name: String) -> (Int, Int) {
            let parts = name.dropFirst("events.out.tfevents.".count).split(separator: ".")
            return (parts.first.flatMap { Int($0) } ?? 0, parts.count > 1 ? Int(parts[parts.count - 1]) ?? 0 : 0)
        }
        return names.sorted { key($0) < key($1) || (key($0) == key($1) && $0 < $1) }
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// Keeps the first `count` scalar events over the event files of `directory` (oldest file
    /// first; each file's version record stays) and drops every later one, rewriting each file
    /// atomically. The trainer writes one scalar event per `metrics.jsonl` line, so `count` is the
    /// checkpoint's `metrics.jsonl` line count. A file that cannot be read whole (cut short by a
    /// crash) is cut at its last intact record. Throws `ReportError` naming a file it cannot write.
    public static func keepFirst(_ count: Int, in directory: String) throws {
        var left = count
        for path in eventFiles(in: directory) {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let records = intactRecords(data, source: path)
            var kept = Data()
            var changed = records.count < totalRecords(data)
            for record in records {
                let isScalar = (try? TensorBoardEvent.decode(record, source: path)).map { !$0.scalars.isEmpty } ?? false
                if isScalar {
                    if left == 0 { changed = true; continue }
                    left -= 1
                }
                TFRecord.append(record, to: &kept)
            }
            guard changed else { continue }
            do { try kept.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                throw ReportError(.fileSystem(.rewriteEventFile, path: path, detail: error.localizedDescription))
            }
        }
    }

    /// The records of `data` up to the first truncated or damaged one.
    private static func intactRecords(_ data: Data, source: String) -> [Data] {
        if let all = try? TFRecord.records(in: data, source: source) { return all }
        let bytes = [UInt8](data)
        var out: [Data] = []
        var offset = 0
        while bytes.count - offset >= 16 {
            let length = TFRecord.readLE(UInt64.self, bytes, at: offset)
            let lengthCRC = bytes[offset..<offset + 8].withUnsafeBytes { CRC32C.masked(CRC32C.checksum($0)) }
            guard TFRecord.readLE(UInt32.self, bytes, at: offset + 8) == lengthCRC,
                  length <= UInt64(bytes.count - offset - 16) else { break }
            let start = offset + 12, end = start + Int(length)
            let dataCRC = bytes[start..<end].withUnsafeBytes { CRC32C.masked(CRC32C.checksum($0)) }
            guard TFRecord.readLE(UInt32.self, bytes, at: end) == dataCRC else { break }
            out.append(Data(bytes[start..<end]))
            offset = end + 4
        }
        return out
    }

    /// How many records `data` holds if it is intact, else Int.max (so a damaged file is rewritten).
    private static func totalRecords(_ data: Data) -> Int {
        (try? TFRecord.records(in: data, source: "")).map(\.count) ?? Int.max
    }
}
