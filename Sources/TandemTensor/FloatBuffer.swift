/// A fixed-size, zero-initialized, 64-byte aligned buffer of `Float` with reference semantics.
///
/// The parameter, gradient and optimizer-moment arenas and every activation workspace are
/// `FloatBuffer`s: allocated once, then read and written through `base` in hot loops with no
/// copy-on-write checks and no per-step allocation.
public final class FloatBuffer: @unchecked Sendable {
    /// Number of `Float` elements.
    public let count: Int
    /// First element; valid for `count` elements for the buffer's lifetime.
    public let base: UnsafeMutablePointer<Float>

    /// Allocates `count` zeros (`count` may be 0).
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    /// Copies `values` into a new buffer.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { src in
            if let s = src.baseAddress { base.update(from: s, count: values.count) }
        }
    }

    deinit { base.deallocate() }

    /// The elements as a buffer pointer.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }

    /// A copy of the elements as an array.
    public var array: [Float] { Array(buffer) }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { base.update(repeating: value, count: count) }

    /// Copies all elements from `other`, which must have the same count.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer.copy: count \(other.count) != \(count)")
        base.update(from: other.base, count: count)
    }
}
