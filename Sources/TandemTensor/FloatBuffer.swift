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

    /// Allocates `count` zeros (`count` may be 0). With `hugePages`, a buffer of at least
    /// `HugePages.threshold` bytes is aligned to 2 MiB and advised for transparent huge pages
    /// before it is zeroed (`HugePages.advise`): rows read in random order (a shuffled batch)
    /// then cost no TLB miss each (4 KiB pages: one per row, a two-level page walk in a VM).
    public init(count: Int, hugePages: Bool = false) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        let huge = hugePages && bytes >= HugePages.threshold
        // Whole huge pages (the last one's remainder is never touched by the buffer's users).
        let page = HugePages.pageSize
        let span = huge ? (bytes + page - 1) / page * page : bytes
        let raw = UnsafeMutableRawPointer.allocate(byteCount: span, alignment: huge ? page : 64)
        if huge { HugePages.advise(UnsafeMutableRawBufferPointer(start: raw, count: span)) }
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
