import TandemTensor

/// A problem with a job configuration: where (file and key path) and what.
public struct ConfigError: KindedError, CustomStringConvertible, Equatable, Sendable {
    /// Which part of a config is wrong.
    public enum Reason: Sendable, Equatable {
        /// A key the config does not have, or a `--set` key path through a value that is not a mapping.
        case unknownKey
        /// Anything else: a missing or unreadable file, a syntax error, a bad value.
        case other
    }

    public let description: String
    /// Which part of the config is wrong (the message says it in words).
    public let reason: Reason
    /// The dotted key path the error is about (`train.optimizer.lr`, `model.hidden[1]`), when it
    /// is about one key; `ConfigLoader` uses it to say whether a `--set` flag or the file gave it.
    public let keyPath: String?

    /// An error saying `description`, about `keyPath` when given. A message with a key path
    /// starts with it (`train.epochs: 0 must be at least 1`, `data.path is required`), except an
    /// `.unknownKey` one, which quotes it (`unknown key 'train.lrr'`).
    public init(_ description: String, keyPath: String? = nil, reason: Reason = .other) {
        self.description = description
        self.keyPath = keyPath
        self.reason = reason
    }
    /// Always `.userInput`: a restart cannot fix it.
    public var kind: FailureKind { .userInput }
}

/// A `CodingKey` for any string, used to list the keys actually present in a mapping.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.stringValue = "\(intValue)"; self.intValue = intValue }
}

extension Decoder {
    /// The dotted key path of this value, e.g. `train.optimizer`.
    var keyPath: String { codingPath.map(\.stringValue).joined(separator: ".") }

    /// Throws a `ConfigError` for the first key of this mapping not in `allowed`, naming its full
    /// path, the closest allowed key (when one is close), and the allowed keys.
    func rejectUnknownKeys(_ allowed: [String]) throws {
        let container = try self.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            let path = (codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            var message = "unknown key '\(path)'"
            if let near = allowed.min(by: { editDistance($0, key.stringValue) < editDistance($1, key.stringValue) }),
               editDistance(near, key.stringValue) <= 2 {
                message += " (did you mean '\(near)'?)"
            }
            throw ConfigError(message + "; allowed here: \(allowed.joined(separator: ", "))", keyPath: path, reason: .unknownKey)
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes `key` if present, else returns `fallback`.
    func value<T: Decodable>(_ key: K, or fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }

    /// Decodes a string-valued enum at `key` if present, else `fallback`; an unknown value is a
    /// `ConfigError` naming the key path and listing the allowed values.
    func choice<T: RawRepresentable & CaseIterable>(_ key: K, or fallback: @autoclosure () -> T) throws -> T where T.RawValue == String {
        guard let raw = try decodeIfPresent(String.self, forKey: key) else { return fallback() }
        if let v = T(rawValue: raw) { return v }
        let path = (codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
        throw ConfigError("\(path): '\(raw)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))", keyPath: path)
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    for i in 1...a.count {
        var cur = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[b.count]
}
