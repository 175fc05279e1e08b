import TandemParallel

/// Brings the next batch's rows of `EncodedRows` into the cache while a step computes, in
/// `parts` pieces issued at different points of the step (the loop's, after forward, after
/// backward) instead of all at once: a batch of random rows is ~160 cache lines from memory,
/// more than the core keeps in flight, so issuing them together stalls the core until most
/// have arrived (a C harness: 0.35-0.4 us a step at once, ~0.15 us in four parts).
/// A hint only: no result depends on it.
final class BatchPrefetch {
    let rows: EncodedRows
    /// Pieces the next batch's rows are fetched in.
    let parts: Int
    /// The next batch's split positions `[count]` (a copy: valid across the step).
    private let positions: UnsafeMutableBufferPointer<Int>
    private var count = 0

    /// `capacity`: the most rows a batch holds on this rank; `parts`: at least 1.
    init(rows: EncodedRows, capacity: Int, parts: Int) {
        self.rows = rows
        self.parts = max(1, parts)
        positions = .allocate(capacity: max(capacity, 1))
    }

    deinit { positions.deallocate() }

    /// Sets the next batch's positions (at most `capacity`; none: nothing to fetch).
    func setNext(_ next: UnsafeBufferPointer<Int>) {
        count = min(next.count, positions.count)
        for i in 0..<count { positions[i] = next[i] }
    }

    /// Fetches piece `part` of `parts` of the next batch's rows (none beyond the last).
    func fetch(part: Int) {
        guard part < parts else { return }
        let r = EvenSplit.range(total: count, parts: parts, index: part)
        rows.prefetch(positions: UnsafeBufferPointer(rebasing: positions[r]))
    }
}
