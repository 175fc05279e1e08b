extension ClassificationMetrics {
    /// The full report as ordered JSON: `count`, then `scalars` in order, then `per_class`
    /// (objects with label, precision, recall, f1, support) and `confusion` (`[true][predicted]`).
    public var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [("count", .int(count))]
        members += scalars.map { ($0.0, .number($0.1)) }
        members.append(("per_class", .array(perClass.map { m in
            .object([("label", .string(m.label)), ("precision", .number(m.precision)),
                     ("recall", .number(m.recall)), ("f1", .number(m.f1)), ("support", .int(m.support))])
        })))
        members.append(("confusion", .array(confusion.map { row in .array(row.map { .int($0) }) })))
        return .object(members)
    }
}

extension RegressionMetrics {
    /// The full report as ordered JSON: `count`, then `scalars` in order.
    public var jsonValue: JSONValue {
        .object([("count", .int(count))] + scalars.map { ($0.0, .number($0.1)) })
    }
}
