import TandemMetrics
import Yams

extension JSONValue {
    /// The JSON form of a YAML node: plain scalars as null, bool, int or float when they read as
    /// one (else string), quoted scalars as strings, sequences as arrays, mappings as objects in their order.
    init(yaml node: Node) {
        switch node {
        case .scalar(let s):
            if s.style != .plain {
                self = .string(s.string)
            } else if node.null != nil {
                self = .null
            } else if let b = node.bool {
                self = .bool(b)
            } else if let i = node.int {
                self = .int(i)
            } else if let x = node.float {
                self = .number(x)
            } else {
                self = .string(s.string)
            }
        case .sequence(let seq):
            self = .array(seq.map { JSONValue(yaml: $0) })
        case .mapping(let m):
            self = .object(m.map { ($0.key.string ?? "\($0.key)", JSONValue(yaml: $0.value)) })
        case .alias:
            self = .string("\(node)")
        }
    }

    /// The member `key` of an object, nil for anything else.
    subscript(member key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The number this value holds (`.int` or `.number`), nil for anything else.
    var doubleValue: Double? {
        switch self {
        case .number(let x): return x
        case .int(let i): return Double(i)
        default: return nil
        }
    }
}
