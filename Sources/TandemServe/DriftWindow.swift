import Foundation
import TandemData

/// The last `capacity` raw input rows a model received, as a ring buffer of rows in the layout
/// requests are parsed into (`RequestRows`: numbers `[rows, features]`, `.nan` = missing, and for
/// categorical features texts `[rows, features]`, nil = missing), so a request's rows go in as
/// one or two block copies. Becomes a `Table` (typed with the manifest's kinds, oldest row first)
/// for drift scoring.
final class DriftWindow: @unchecked Sendable {
    let capacity: Int
    private let names: [String]
    private let kinds: [ColumnKind]
    private let hasText: Bool
    private let lock = NSLock()
    /// `[capacity, features]`, filled up to `count` rows.
    private var numbers: [Double] = []
    private var texts: [String?] = []
    /// Ring position of the next write.
    private var next = 0
    /// Rows held (at most `capacity`).
    private(set) var count = 0

    /// An empty window for features `names` of `kinds`.
    init(capacity: Int, names: [String], kinds: [ColumnKind]) {
        self.capacity = max(0, capacity)
        self.names = names
        self.kinds = kinds
        hasText = kinds.contains(.categorical)
    }

    /// Adds the rows of `rows`, dropping the oldest beyond capacity.
    func append(_ rows: RequestRows) {
        guard capacity > 0, rows.count > 0 else { return }
        let width = kinds.count
        let first = max(0, rows.count - capacity)  // only the last `capacity` rows can stay
        lock.lock()
        defer { lock.unlock() }
        if numbers.isEmpty {
            numbers = Array(repeating: .nan, count: capacity * width)
            if hasText { texts = Array(repeating: nil, count: capacity * width) }
        }
        var r = first
        while r < rows.count {
            let n = min(rows.count - r, capacity - next)  // up to the ring's end
            numbers.withUnsafeMutableBufferPointer { ring in
                rows.numbers.withUnsafeBufferPointer { source in
                    guard let to = ring.baseAddress, let from = source.baseAddress else { return }
                    (to + next * width).update(from: from + r * width, count: n * width)
                }
            }
            if hasText {
                for k in 0..<(n * width) { texts[next * width + k] = rows.texts[r * width + k] }
            }
            r += n
            next = (next + n) % capacity
            count = min(count + n, capacity)
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
        let width = kinds.count
        let start = count < capacity ? 0 : next
        let order = (0..<count).map { (start + $0) % max(capacity, 1) }
        let columns: [ColumnValues] = kinds.indices.map { f in
            kinds[f] == .numeric ? .numeric(order.map { numbers[$0 * width + f] }) : .categorical(order.map { texts[$0 * width + f] })
        }
        return Table(file: file, names: names, columns: columns, lineNumbers: (0..<count).map { $0 + 1 })
    }
}
