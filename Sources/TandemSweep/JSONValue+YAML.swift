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
}
