import Testing

/// Largest absolute difference between `a` and `b` (same count).
public func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "maxAbsDifference: \(a.count) vs \(b.count) elements")
    var m: Float = 0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// Max absolute difference divided by the max absolute value of `reference` (0 when both are 0).
public func relativeDifference(_ a: [Float], _ reference: [Float]) -> Float {
    let scale = reference.map(abs).max() ?? 0
    let d = maxAbsDifference(a, reference)
    return scale == 0 ? d : d / scale
}

/// Expects `|actual - expected| <= allowedError`, reporting both values on failure.
public func expectClose(_ actual: Double, _ expected: Double, allowedError: Double,
                        _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(actual - expected) <= allowedError,
            "\(actual) vs \(expected) (allowed \(allowedError)) \(comment.map { "\($0)" } ?? "")",
            sourceLocation: sourceLocation)
}

/// Expects every element pair within `allowedError`, reporting the worst index.
public func expectClose(_ actual: [Float], _ expected: [Float], allowedError: Float,
                        _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "count \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    var worst = 0
    for i in actual.indices where abs(actual[i] - expected[i]) > abs(actual[worst] - expected[worst]) { worst = i }
    if !actual.isEmpty {
        #expect(abs(actual[worst] - expected[worst]) <= allowedError,
                "element \(worst): \(actual[worst]) vs \(expected[worst]) (allowed \(allowedError)) \(comment.map { "\($0)" } ?? "")",
                sourceLocation: sourceLocation)
    }
}
