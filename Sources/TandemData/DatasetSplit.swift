import TandemTensor

/// How rows are assigned to the train, validation and test splits.
public enum SplitMethod: String, Codable, Sendable, CaseIterable {
    /// A seeded random permutation, then cut.
    case random
    /// Per class, a seeded shuffle then cut, so each split keeps the class proportions.
    case stratified
    /// File order: first rows train, then validation, then test (for time series).
    case sequential
}

/// Row indices of the three splits, each sorted ascending; together they cover `0..<count` once.
public struct SplitIndices: Sendable, Equatable {
    /// Rows to fit on.
    public var train: [Int]
    /// Rows for early stopping and model selection.
    public var validation: [Int]
    /// Held-out rows for the final report.
    public var test: [Int]

    /// Splits with the given rows.
    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Splits `count` rows into train, validation and test.
    ///
    /// `validation` and `test` are fractions in [0, 1) with `validation + test < 1`; a split gets
    /// `round(n * fraction)` rows (per class for `.stratified`, which needs `labels`, one per
    /// row) and train gets the rest. `.random` uses `RandomGenerator(seed: seed)`; `.stratified`
    /// shuffles each class with a stream split from it by class label. The result depends only on
    /// the arguments. Throws `DataError` for a bad fraction (naming it), missing or mis-sized
    /// labels, or an empty train split.
    public static func make(count: Int, labels: [Int32]?, validation: Double, test: Double,
                            method: SplitMethod, seed: UInt64) throws -> SplitIndices {
        for (name, value) in [("validation", validation), ("test", test)] where !(value >= 0 && value < 1) {
            throw DataError(file: "", message: "\(name) fraction \(value) is out of range; it must be at least 0 and less than 1")
        }
        guard validation + test < 1 else {
            throw DataError(file: "", message: "validation fraction \(validation) plus test fraction \(test) is \(validation + test); it must be less than 1 to leave rows for training")
        }
        guard count >= 0 else { throw DataError(file: "", message: "row count \(count) is negative") }
        var split: SplitIndices
        switch method {
        case .sequential:
            let (nVal, nTest) = sizes(count, validation, test)
            let nTrain = count - nVal - nTest
            split = SplitIndices(train: Array(0..<nTrain), validation: Array(nTrain..<(nTrain + nVal)),
                                 test: Array((nTrain + nVal)..<count))
        case .random:
            split = random(count, validation, test, seed: seed)
        case .stratified:
            guard let labels else {
                throw DataError(file: "", message: "stratified splitting needs class labels (use it for classification, or choose random)")
            }
            guard labels.count == count else {
                throw DataError(file: "", message: "stratified splitting got \(labels.count) labels for \(count) rows")
            }
            split = stratified(labels, validation, test, seed: seed)
        }
        guard !split.train.isEmpty else {
            throw DataError(file: "", message: "the train split is empty: \(count) rows with validation fraction \(validation) and test fraction \(test) leave no rows for training")
        }
        split.sortCovering(count)
        return split
    }

    /// Sorts each split ascending, given that together they hold every row of `0..<count` once
    /// (as every method makes them): each row's part is marked, then the rows are read back in
    /// order. Linear, where sorting the train split alone took most of the split's time.
    private mutating func sortCovering(_ count: Int) {
        var part = [UInt8](repeating: 0, count: count)
        part.withUnsafeMutableBufferPointer { p in
            for r in validation { p[r] = 1 }
            for r in test { p[r] = 2 }
        }
        func rows(_ k: UInt8, _ n: Int) -> [Int] {
            [Int](hugeUninitializedCapacity: n) { out, filled in
                part.withUnsafeBufferPointer { p in
                    var at = 0
                    for r in p.indices where p[r] == k && at < n {
                        out[at] = r
                        at += 1
                    }
                    filled = at
                }
            }
        }
        (train, validation, test) = (rows(0, train.count), rows(1, validation.count), rows(2, test.count))
    }

    /// Validation and test sizes for `n` rows: `round(n * fraction)` each.
    private static func sizes(_ n: Int, _ validation: Double, _ test: Double) -> (Int, Int) {
        (Int((Double(n) * validation).rounded()), Int((Double(n) * test).rounded()))
    }

    /// `order` cut into train (first), validation, then test.
    private static func cut(_ order: [Int], _ validation: Double, _ test: Double) -> SplitIndices {
        let (nVal, nTest) = sizes(order.count, validation, test)
        let nTrain = order.count - nVal - nTest
        return SplitIndices(train: Array(order[0..<nTrain]), validation: Array(order[nTrain..<(nTrain + nVal)]),
                            test: Array(order[(nTrain + nVal)...]))
    }

    /// `cut(RandomGenerator(seed: seed).permutation(count), validation, test)` but for the order
    /// of the train rows (which `sortCovering` sorts anyway): only the validation and test
    /// positions (the last ones) are shuffled into their final places (`permutation(_:finalFrom:)`,
    /// the same draws); train gets every other row, in file order. (The whole shuffle was most of
    /// the split's time.)
    private static func random(_ count: Int, _ validation: Double, _ test: Double, seed: UInt64) -> SplitIndices {
        let (nVal, nTest) = sizes(count, validation, test)
        let nTrain = count - nVal - nTest
        var rng = RandomGenerator(seed: seed)
        let order = rng.permutation(count, finalFrom: nTrain)
        var train = [Int](hugeCapacity: nTrain)
        var held = [UInt8](hugeRepeating: 0, count: count)
        held.withUnsafeMutableBufferPointer { h in for r in order[nTrain...] { h[r] = 1 } }
        held.withUnsafeBufferPointer { h in for r in h.indices where h[r] == 0 { train.append(r) } }
        return SplitIndices(train: train, validation: Array(order[nTrain..<(nTrain + nVal)]), test: Array(order[(nTrain + nVal)...]))
    }

    /// Each class's rows shuffled by a stream derived from `seed` and the label, then cut.
    private static func stratified(_ labels: [Int32], _ validation: Double, _ test: Double, seed: UInt64) -> SplitIndices {
        var byClass: [Int32: [Int]] = [:]
        for (row, label) in labels.enumerated() { byClass[label, default: []].append(row) }
        let root = RandomGenerator(seed: seed)
        var out = SplitIndices(train: [], validation: [], test: [])
        for label in byClass.keys.sorted() {
            var rows = byClass[label] ?? []
            var rng = root.split(UInt64(bitPattern: Int64(label)))
            rng.shuffle(&rows)
            let part = cut(rows, validation, test)
            out.train += part.train
            out.validation += part.validation
            out.test += part.test
        }
        return out
    }
}
