#if canImport(Glibc)
import Glibc
#endif

/// Advice to the kernel to back large buffers with transparent huge pages (2 MiB).
///
/// Where the machine's transparent-huge-page setting is `madvise` (the default of many
/// distributions), memory that `malloc` gets from the kernel is backed by 4 KiB pages, and each
/// new page of a freshly allocated array costs a page fault when first written: preparing a
/// 1 GiB CSV took about 0.4-0.5M faults in each of the fit, drift and store steps. Advising an
/// array before it is first written lets one fault map 2 MiB. Advice only: where the kernel
/// has no huge pages, or ignores the advice, nothing changes but the speed.
public enum HugePages {
    /// Smallest buffer advised (smaller ones are mostly carved from `malloc`'s heap and gain
    /// little).
    public static let threshold = 4 << 20
    /// The huge page size advised for (x86-64 and arm64 with 4 KiB base pages).
    static let pageSize = 2 << 20

    /// Advises the whole huge pages inside `buffer` (its 2 MiB-aligned interior), if it holds
    /// at least `threshold` bytes. Call it before the buffer's memory is first written.
    public static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard buffer.count >= threshold, let base = buffer.baseAddress else { return }
        let start = (Int(bitPattern: base) + pageSize - 1) & ~(pageSize - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(pageSize - 1)
        guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(first, end - start, MADV_HUGEPAGE)
        #endif
    }
}

extension Array {
    /// An empty array with room for `capacity` elements, its memory advised for huge pages
    /// (`HugePages.advise`) before anything is written to it; appending up to `capacity`
    /// elements then fills advised memory.
    @inlinable
    public init(hugeCapacity capacity: Int) {
        self.init(unsafeUninitializedCapacity: capacity) { buffer, count in
            HugePages.advise(UnsafeMutableRawBufferPointer(buffer))
            count = 0
        }
    }

    /// `init(unsafeUninitializedCapacity:initializingWith:)` with the memory advised for huge
    /// pages (`HugePages.advise`) before `initializer` writes it.
    @inlinable
    public init(hugeUninitializedCapacity capacity: Int,
                initializingWith initializer: (inout UnsafeMutableBufferPointer<Element>, inout Int) throws -> Void) rethrows {
        try self.init(unsafeUninitializedCapacity: capacity) { buffer, count in
            HugePages.advise(UnsafeMutableRawBufferPointer(buffer))
            try initializer(&buffer, &count)
        }
    }

    /// `count` copies of `value` in memory advised for huge pages (`HugePages.advise`).
    @inlinable
    public init(hugeRepeating value: Element, count: Int) {
        self.init(hugeUninitializedCapacity: count) { buffer, n in
            buffer.initialize(repeating: value)
            n = count
        }
    }
}

extension Array {
    /// `rows.map { self[$0] }` into memory advised for huge pages: the gather of a column's
    /// rows (`rows: [n]` positions into `self`; result `[n]`). Traps on a position out of range, as `map` does.
    @inlinable
    public func gathered(_ rows: [Int]) -> [Element] {
        withUnsafeBufferPointer { all in
            [Element](hugeUninitializedCapacity: rows.count) { out, n in
                for (k, r) in rows.enumerated() {
                    precondition(r >= 0 && r < all.count, "row out of range")
                    out.initializeElement(at: k, to: all[r])
                }
                n = rows.count
            }
        }
    }
}
