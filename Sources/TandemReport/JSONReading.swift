import Foundation

/// Typed access to values from Foundation's `JSONSerialization`.
enum JSONReading {
    /// Parses `data` as one JSON object; throws `ReportError` prefixed with `source`.
    static func object(_ data: Data, source: String) throws -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ReportError("\(source): not valid JSON (\(error.localizedDescription))")
        }
        guard let object = parsed as? [String: Any] else { throw ReportError("\(source): not a JSON object") }
        return object
    }

    /// Reads and parses the JSON object in the file at `path`.
    static func object(path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReportError("\(path): cannot read the file") }
        return try object(data, source: path)
    }

    /// A number (not a Boolean) as `Double`.
    static func double(_ value: Any?) -> Double? {
        guard let n = value as? NSNumber, !isBool(n) else { return nil }
        return n.doubleValue
    }

    /// An integral number as `Int`.
    static func int(_ value: Any?) -> Int? {
        guard let d = double(value), d.rounded() == d, abs(d) < 9e15 else { return nil }
        return Int(d)
    }

    /// A Boolean.
    static func bool(_ value: Any?) -> Bool? {
        guard let n = value as? NSNumber, isBool(n) else { return nil }
        return n.boolValue
    }

    /// A string.
    static func string(_ value: Any?) -> String? { value as? String }

    /// Whether `n` came from JSON `true`/`false` (Foundation boxes those as `__NSCFBoolean`).
    private static func isBool(_ n: NSNumber) -> Bool {
        String(describing: type(of: n)).contains("Boolean")
    }
}
