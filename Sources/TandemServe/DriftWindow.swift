import Foundation
import TandemData

/// The last `capacity` raw input rows a model received, per feature, as a ring buffer; becomes a
/// `Table` (typed with the manifest's kinds, oldest row first) for drift scoring.
final class DriftWindow: @unchecked Sendable {
    let capacity: Int
    private let names: [String]
    private let kinds: [ColumnKind]
    private let lock = NSLock()
    private var numbers: [[Double]]
    private var texts: [[String?]]
    /// Ring position of the next write.
    private var next = 0
    /// Rows held (at most `capacity`).
    private(set) var count = 0

    /// An empty window for features `names` of `kinds`.
    init(capacity: Int, names: [String], kinds: [ColumnKind]) {
        self.capacity = max(0, capacity)
        self.names = names
        self.kinds = kinds
        numbers = kinds.map { _ in [] }
        texts = kinds.map { _ in [] }
    }

    /// Adds the rows of `columns` (one per feature, in order), dropping the oldest beyond capacity.
    func append(_ columns: [ColumnValues], rows: Int) {
        guard capacity > 0 else { return }
        let first = max(0, rows - capacity)  // only the last `capacity` rows can stay
        lock.lock()
        defer { lock.unlock() }
        for r in first..<rows {
            for (f, column) in columns.enumerated() {
                switch column {
                case .numeric(let v):
                    if numbers[f].count < capacity { numbers[f].append(v[r]) } else { numbers[f][next] = v[r] }
                case .categorical(let v):
                    if texts[f].count < capacity { texts[f].append(v[r]) } else { texts[f][next] = v[r] }
                }
            }
            next = (next + 1) % capacity
            count = min(count + 1, capacity)
        }
    }

    /// Rows held, for metrics.
    var rowCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    /// The window as a table, oldest row first (`file` names it in messages).
    func table(file: String) -> Table {
        lock.lock()
        defer { lock.unlock() }
        let start = count < capacity ? 0 : next
        func ordered<T>(_ ring: [T]) -> [T] { Array(ring[start...] + ring[..<start]) }
        let columns: [ColumnValues] = kinds.indices.map { f in
            kinds[f] == .numeric ? .numeric(ordered(numbers[f])) : .categorical(ordered(texts[f]))
        }
        return Table(file: file, names: names, columns: columns, lineNumbers: (0..<count).map { $0 + 1 })
    }
}
