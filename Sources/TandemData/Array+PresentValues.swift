import TandemTensor

extension Array where Element == Double {
    /// The values that are not missing (NaN), in order, in memory advised for huge pages
    /// (`HugePages`): the training values a numeric fit and its drift histogram work on
    /// (`self: [n]`; result `[m]`, m <= n).
    var presentValues: [Double] {
        [Double](hugeUninitializedCapacity: count) { out, n in
            var m = 0
            for x in self where !x.isNaN {
                out.initializeElement(at: m, to: x)
                m += 1
            }
            n = m
        }
    }
}
