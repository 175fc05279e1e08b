import TandemTensor

/// Deterministic pseudo-random test data in `[-scale, scale)` (the exact values do not matter,
/// only that they are fixed for a seed and not special, e.g. not all equal or integral).
func randomFloats(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in (rng.nextFloat() * 2 - 1) * scale }
}

/// Runs `body` with base pointers of `values` (a dummy element when empty, so sizes of 0 work).
func withPointer<R>(_ values: [Float], _ body: (UnsafePointer<Float>) -> R) -> R {
    let padded = values.isEmpty ? [Float(0)] : values
    return padded.withUnsafeBufferPointer { body($0.baseAddress!) }
}
