/// Quantile bins of a continuous target, so a stratified split of a regression task keeps the
/// target's distribution alike in every split.
public enum QuantileBins {
    /// The bin (0..<bins) of each value by its rank: the lowest `n / bins` values are bin 0, and
    /// so on. `bins` is at most 10 and at most `n / 5` (at least 1). NaN values go to the last bin.
    public static func labels(_ values: [Float]) -> [Int32] {
        let n = values.count
        let bins = max(1, min(10, n / 5))
        let order = values.indices.sorted { a, b in
            let x = values[a], y = values[b]
            if x.isNaN != y.isNaN { return !x.isNaN }
            return x < y || (x == y && a < b)
        }
        var out = [Int32](repeating: 0, count: n)
        for (rank, i) in order.enumerated() { out[i] = Int32(rank * bins / max(n, 1)) }
        return out
    }
}
