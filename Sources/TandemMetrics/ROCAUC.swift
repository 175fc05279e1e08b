/// Area under the ROC curve for a binary task, as the Mann-Whitney rank statistic.
///
/// Equals `sklearn.metrics.roc_auc_score`: tied scores get the average of the ranks they span, so a
/// tie between a positive and a negative counts as one half.
public enum ROCAUC {
    /// The ROC-AUC of `scores` (higher means "more positive") against `isPositive`.
    ///
    /// Shapes: `scores`, `isPositive`: `[n]`. Returns `nil` when there is no positive or no negative
    /// row (the AUC is undefined), including `n == 0`. Non-finite scores are ranked as they compare
    /// (`-inf` lowest, `+inf` highest); NaN scores are not meaningful. Cost: `O(n log n)`.
    public static func score(scores: [Double], isPositive: [Bool]) -> Double? {
        precondition(scores.count == isPositive.count,
                     "ROCAUC: \(scores.count) scores for \(isPositive.count) labels")
        let positives = isPositive.reduce(0) { $0 + ($1 ? 1 : 0) }
        let negatives = isPositive.count - positives
        guard positives > 0, negatives > 0 else { return nil }

        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Sum of the 1-based ranks of the positive rows, ties sharing their average rank.
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            // Rows start..<end share ranks start+1 ... end; their average is (start + 1 + end) / 2.
            let averageRank = Double(start + 1 + end) / 2
            for i in start..<end where isPositive[order[i]] { positiveRankSum += averageRank }
            start = end
        }
        let p = Double(positives)
        let u = positiveRankSum - p * (p + 1) / 2
        return u / (p * Double(negatives))
    }
}
