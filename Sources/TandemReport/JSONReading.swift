import Foundation
import TandemMetrics

/// The JSON files a report reads (summary.json, failure.json, slurm.json, a checkpoint
/// manifest, metrics.jsonl lines), as `JSONValue` objects.
enum JSONReading {
    /// Parses `data` as one JSON object; throws `ReportError` prefixed with `source`.
    static func object(_ data: Data, source: String) throws -> JSONValue {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(data)
        } catch {
            throw ReportError(.invalidJSON(source: source, detail: error.localizedDescription))
        }
        guard parsed.members != nil else { throw ReportError(.notAJSONObject(source: source)) }
        return parsed
    }

    /// Reads and parses the JSON object in the file at `path`.
    static func object(path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReportError(.cannotRead(path: path)) }
        return try object(data, source: path)
    }
}
