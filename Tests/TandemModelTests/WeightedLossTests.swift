import Testing
import TestSupport
import TandemModel

/// `train.class_weight` in the loss heads: the weighted mean `sum w[y] l / sum w[y]` and its
/// gradient, checked by central finite differences; unit weights change nothing, bit for bit.
@Suite struct WeightedLossTests {
    static let rows = 6
    static let labels: [Int32] = [0, 2, 1, 2, 0, 2]
    static let binaryLabels: [Int32] = [0, 1, 1, 0, 0, 1]

    /// The weighted mean loss of `head` at `logits` and its gradient (gradScale = 1 / sum of weights).
    static func evaluate(_ head: LossHead, _ logits: [Float], labels: [Int32], weights: [Float]?) -> (loss: Double, grad: [Float]) {
        let total = weights.map { w in labels.reduce(0.0) { $0 + Double(w[Int($1)]) } } ?? Double(labels.count)
        var grad = [Float](repeating: 0, count: logits.count)
        var scratch = [Float](repeating: 0, count: rows * head.probabilityWidth)
        let sum = logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { l in
                scratch.withUnsafeMutableBufferPointer { s in
                    grad.withUnsafeMutableBufferPointer { g in
                        if let weights {
                            return weights.withUnsafeBufferPointer { w in
                                head.lossSum(output: z.baseAddress!, labels: l.baseAddress!, targets: nil, rows: rows, scratch: s.baseAddress!,
                                             dOutput: g.baseAddress!, gradScale: Float(1 / total), classWeights: w.baseAddress!)
                            }
                        }
                        return head.lossSum(output: z.baseAddress!, labels: l.baseAddress!, targets: nil, rows: rows, scratch: s.baseAddress!,
                                            dOutput: g.baseAddress!, gradScale: Float(1 / total))
                    }
                }
            }
        }
        return (sum / total, grad)
    }

    static func logits(_ count: Int) -> [Float] { (0..<count).map { Float(($0 * 37) % 11) * 0.3 - 1.4 } }

    @Test(arguments: [LossHead.softmaxCrossEntropy(classes: 3), .binaryCrossEntropy])
    func weightedMeanGradientMatchesFiniteDifferences(head: LossHead) {
        let labels = head == .binaryCrossEntropy ? Self.binaryLabels : Self.labels
        let weights: [Float] = head == .binaryCrossEntropy ? [0.4, 2.5] : [2, 0.5, 1.25]
        let z = Self.logits(Self.rows * head.outputs)
        let (_, grad) = Self.evaluate(head, z, labels: labels, weights: weights)
        let h: Float = 1e-2
        for i in z.indices {
            var plus = z, minus = z
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.evaluate(head, plus, labels: labels, weights: weights).loss
                           - Self.evaluate(head, minus, labels: labels, weights: weights).loss) / Double(2 * h)
            expectClose(Double(grad[i]), numeric, allowedError: 2e-3 * max(1, abs(numeric)), "logit \(i)")
        }
    }

    @Test(arguments: [LossHead.softmaxCrossEntropy(classes: 3), .binaryCrossEntropy])
    func weightsScaleEachRowsLossAndUnitWeightsChangeNothing(head: LossHead) {
        let labels = head == .binaryCrossEntropy ? Self.binaryLabels : Self.labels
        let classes = head == .binaryCrossEntropy ? 2 : 3
        let z = Self.logits(Self.rows * head.outputs)
        let plain = Self.evaluate(head, z, labels: labels, weights: nil)
        let ones = Self.evaluate(head, z, labels: labels, weights: [Float](repeating: 1, count: classes))
        #expect(plain.loss == ones.loss && plain.grad == ones.grad)
        // Weight 3 on class 0 alone: the weighted sum counts class-0 rows three times.
        var w = [Float](repeating: 1, count: classes)
        w[0] = 3
        let weighted = Self.evaluate(head, z, labels: labels, weights: w)
        let zeros = Double(labels.filter { $0 == 0 }.count)
        let n = Double(labels.count)
        // Per-row losses from the unweighted gradient-free sums: class-0 rows and the rest.
        func rowSum(_ keep: (Int32) -> Bool) -> Double {
            var only = [Float](repeating: 0, count: classes)
            for c in 0..<classes where keep(Int32(c)) { only[c] = 1 }
            let r = Self.evaluate(head, z, labels: labels, weights: only)
            return r.loss * labels.reduce(0.0) { $0 + Double(only[Int($1)]) }
        }
        let l0 = rowSum { $0 == 0 }, rest = rowSum { $0 != 0 }
        expectClose(weighted.loss, (3 * l0 + rest) / (n + 2 * zeros), allowedError: 1e-6)
    }
}
