import Foundation

/// Reading JSON of an open shape (metrics.jsonl lines, summary.json, failure.json, sweep
/// journal lines) as a `JSONValue`: `JSONDecoder` tells `true`/`false` from numbers, so no
/// Foundation boxing type is inspected.
extension JSONValue: Decodable {
    /// Decodes any JSON value: `null`, a Boolean, an integer (`.int`), another number
    /// (`.number`), a string, an array, or an object (members in sorted key order, since the
    /// decoder keeps no order).
    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.singleValueContainer() {
            if c.decodeNil() { self = .null; return }
            if let b = try? c.decode(Bool.self) { self = .bool(b); return }
            if let i = try? c.decode(Int.self) { self = .int(i); return }
            if let x = try? c.decode(Double.self) { self = .number(x); return }
            if let s = try? c.decode(String.self) { self = .string(s); return }
            if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        }
        let keyed = try decoder.container(keyedBy: MemberKey.self)
        self = .object(try keyed.allKeys.sorted { $0.stringValue < $1.stringValue }.map {
            ($0.stringValue, try keyed.decode(JSONValue.self, forKey: $0))
        })
    }

    /// Parses `data` as one JSON value; throws the decoder's error for text that is not JSON.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The member `key` of an object, nil for anything else.
    public subscript(member key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The members of an object, nil for anything else.
    public var members: [(String, JSONValue)]? {
        guard case .object(let m) = self else { return nil }
        return m
    }

    /// The elements of an array, nil for anything else.
    public var elements: [JSONValue]? {
        guard case .array(let a) = self else { return nil }
        return a
    }

    /// The number this value holds (`.int` or `.number`, never a Boolean), nil for anything else.
    public var doubleValue: Double? {
        switch self {
        case .number(let x): x
        case .int(let i): Double(i)
        default: nil
        }
    }

    /// The integer this value holds (an `.int`, or a `.number` with no fraction below 9e15).
    public var intValue: Int? {
        switch self {
        case .int(let i): i
        case .number(let x): x.rounded() == x && abs(x) < 9e15 ? Int(x) : nil
        default: nil
        }
    }

    /// The Boolean this value holds, nil for anything else (also for the numbers 0 and 1).
    public var boolValue: Bool? {
        guard case .bool(let b) = self else { return nil }
        return b
    }

    /// The string this value holds, nil for anything else.
    public var stringValue: String? {
        guard case .string(let s) = self else { return nil }
        return s
    }
}

/// An object member's name, for decoding objects of any keys.
private struct MemberKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
