import CKernels
import TandemTensor

/// A split's encoded features held in memory, row-major `[split rows, width]`, so that a batch
/// is a copy of whole rows (`width` x 4 contiguous bytes each) instead of a gather from every
/// column of the mapped dataset (one cache miss per feature per random row).
///
/// Built once by the split's own `encode` (the same `BatchEncoder`, the same operations per
/// element), so a copied row is bit for bit the row a batch would encode: results and resume
/// do not depend on whether it is used. Built only when it takes at most `budgetBytes`
/// (`data.in_memory_mib`), so the memory a rank holds stays bounded whatever the data's size;
/// a larger split keeps the batch-by-batch gather.
final class EncodedRows {
    /// The encoded rows `[rows, width]`.
    let values: FloatBuffer
    /// Split rows held.
    let rows: Int
    /// Network inputs per row.
    let width: Int
    /// The class index of each split row, by position (classification; empty otherwise), so a
    /// batch's labels are read in one place instead of through the split's row list.
    let labels: UnsafeMutableBufferPointer<Int32>

    /// The encoded rows of `split`, or nil when they would take more than `budgetBytes`
    /// (or the split has no rows or no inputs).
    init?(split: PreparedSplit, budgetBytes: Int) {
        guard let elements = Self.elements(split: split, budgetBytes: budgetBytes) else { return nil }
        rows = split.count
        width = split.width
        // Huge pages: a batch reads 32 rows at random, each on its own 4 KiB page otherwise.
        values = FloatBuffer(count: elements, hugePages: true)
        split.encode(0..<rows, into: values.base)
        let splitRows = split.rows
        labels = .allocate(capacity: split.isClassification ? rows : 0)
        for p in labels.indices { labels[p] = split.label(row: splitRows[p]) }
    }

    deinit { labels.deallocate() }

    /// The floats `split`'s encoded rows take, or nil when more than `budgetBytes` (or none).
    static func elements(split: PreparedSplit, budgetBytes: Int) -> Int? {
        let (elements, overflow) = split.count.multipliedReportingOverflow(by: split.width)
        guard elements > 0, !overflow, elements <= budgetBytes / MemoryLayout<Float>.stride else { return nil }
        return elements
    }

    /// Copies split row `position` into `output` `[width]`.
    @inline(__always) func copy(position: Int, into output: UnsafeMutablePointer<Float>) {
        output.update(from: values.base + position * width, count: width)
    }

    /// Copies the split rows at `positions` into `output` `[positions.count, width]` and, when
    /// `labels` is not nil, their class indices into `labels` `[positions.count]`: a batch in one
    /// call, so the per-row loop holds raw pointers only (no reference counting per row).
    func copy(positions: UnsafeBufferPointer<Int>, into output: UnsafeMutablePointer<Float>,
              labels out: UnsafeMutablePointer<Int32>?) {
        if let p = positions.baseAddress { tandem_copy_rows(values.base, p, positions.count, width, output) }
        if let out, let l = labels.baseAddress {
            for (i, position) in positions.enumerated() { out[i] = l[position] }
        }
    }

    /// Starts bringing split rows `positions` (the next batch's) into the cache while this step
    /// computes: a random row is a few cache misses from memory that the copy would otherwise wait for.
    func prefetch(positions: UnsafeBufferPointer<Int>) {
        guard let p = positions.baseAddress else { return }
        tandem_prefetch_rows(values.base, p, positions.count, width * MemoryLayout<Float>.stride)
        if let l = labels.baseAddress { tandem_prefetch_rows(l, p, positions.count, MemoryLayout<Int32>.stride) }
    }
}
