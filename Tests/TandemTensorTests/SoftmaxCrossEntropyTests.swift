import Foundation
import TandemTensor
import Testing
import TestSupport

@Suite struct SoftmaxCrossEntropyTests {
    struct Result { var loss: Double; var probabilities: [Float]; var dLogits: [Float] }

    static func run(_ logits: [Float], _ labels: [Int32], classes: Int, gradScale: Float) -> Result {
        let rows = labels.count
        var p = [Float](repeating: .nan, count: rows * classes)
        var d = [Float](repeating: .nan, count: rows * classes)
        let loss = logits.withUnsafeBufferPointer { pl in
            labels.withUnsafeBufferPointer { py in
                p.withUnsafeMutableBufferPointer { pp in
                    d.withUnsafeMutableBufferPointer { pd in
                        SoftmaxCrossEntropy.forwardBackward(logits: pl.baseAddress!, labels: py.baseAddress!, rows: rows,
                                                            classes: classes, probabilities: pp.baseAddress!,
                                                            dLogits: pd.baseAddress!, gradScale: gradScale)
                    }
                }
            }
        }
        return Result(loss: loss, probabilities: p, dLogits: d)
    }

    /// Sum over rows of `-log softmax(z)[y]`, with log-sum-exp in Double.
    static func referenceLoss(_ logits: [Float], _ labels: [Int32], classes: Int) -> Double {
        var total = 0.0
        for (r, y) in labels.enumerated() {
            let z = (0..<classes).map { Double(logits[r * classes + $0]) }
            let m = z.max()!
            let lse = m + Foundation.log(z.map { Foundation.exp($0 - m) }.reduce(0, +))
            total += lse - z[Int(y)]
        }
        return total
    }

    static let rows = 7, classes = 5
    static let logits = randomFloats(rows * classes, seed: 101, scale: 3)
    static let labels: [Int32] = [0, 4, 2, 2, 1, 3, 0]

    /// Loss against Double log-sum-exp: tolerance 1e-5 relative (Float per-row terms).
    @Test func lossMatchesDoubleComputation() {
        let r = Self.run(Self.logits, Self.labels, classes: Self.classes, gradScale: 1)
        let want = Self.referenceLoss(Self.logits, Self.labels, classes: Self.classes)
        expectClose(r.loss, want, allowedError: 1e-5 * abs(want))
        #expect(r.loss > 1)   // random logits in [-3, 3): far from a perfect fit
    }

    /// Probabilities are the softmax (1e-6 absolute) and each row sums to 1.
    @Test func probabilitiesAreSoftmax() {
        let r = Self.run(Self.logits, Self.labels, classes: Self.classes, gradScale: 1)
        for row in 0..<Self.rows {
            let z = (0..<Self.classes).map { Double(Self.logits[row * Self.classes + $0]) }
            let s = z.map(Foundation.exp).reduce(0, +)
            let want = z.map { Float(Foundation.exp($0) / s) }
            let got = Array(r.probabilities[(row * Self.classes)..<((row + 1) * Self.classes)])
            expectClose(got, want, allowedError: 1e-6, "row \(row)")
            expectClose(Double(got.reduce(0, +)), 1, allowedError: 1e-6)
        }
    }

    /// dLogits against central differences of the library's own loss sum, each logit perturbed by
    /// h = 1e-2 in Float (truncation ~h^2/6 * |f'''| < 2e-5; rounding ~2 ulp(loss row)/2h ~ 3e-5).
    /// Tolerance 2e-3 relative to gradScale, i.e. 2e-3 * |gradScale| absolute per element.
    @Test(arguments: [Float(1), 0.125, -2])
    func gradientMatchesFiniteDifferences(gradScale: Float) {
        let r = Self.run(Self.logits, Self.labels, classes: Self.classes, gradScale: gradScale)
        let h: Float = 1e-2
        var fd = [Float](repeating: 0, count: Self.logits.count)
        for i in Self.logits.indices {
            var plus = Self.logits, minus = Self.logits
            plus[i] += h
            minus[i] -= h
            let lp = Self.run(plus, Self.labels, classes: Self.classes, gradScale: 0).loss
            let lm = Self.run(minus, Self.labels, classes: Self.classes, gradScale: 0).loss
            fd[i] = Float((lp - lm) / Double(plus[i] - minus[i])) * gradScale
        }
        expectClose(r.dLogits, fd, allowedError: 2e-3 * abs(gradScale))
        // And exactly the closed form (p - onehot) * gradScale.
        var closed = r.probabilities.map { $0 * gradScale }
        for (row, y) in Self.labels.enumerated() { closed[row * Self.classes + Int(y)] -= gradScale }
        expectClose(r.dLogits, closed, allowedError: 1e-6 * max(1, abs(gradScale)))
    }

    /// Logits of +-1000 must not overflow exp: finite loss, probabilities sum to 1.
    @Test func stableForHugeLogits() {
        let logits: [Float] = [1000, -1000, 0, /**/ -1000, -1000, -1000, /**/ 1000, 1000, -1000]
        let labels: [Int32] = [0, 2, 2]
        let r = Self.run(logits, labels, classes: 3, gradScale: 1)
        #expect(r.loss.isFinite)
        // Row 0: p0 = 1 -> 0; row 1: uniform -> log 3; row 2: label logit 2000 below the max -> 2000 + log 2.
        expectClose(r.loss, Foundation.log(3) + 2000 + Foundation.log(2), allowedError: 1e-3)
        #expect(r.probabilities.allSatisfy { $0.isFinite })
        #expect(r.dLogits.allSatisfy { $0.isFinite })
        for row in 0..<3 {
            expectClose(Double(r.probabilities[(3 * row)..<(3 * row + 3)].reduce(0, +)), 1, allowedError: 1e-6)
        }
        expectClose(Double(r.probabilities[0]), 1, allowedError: 0)
        expectClose(Double(r.probabilities[6]), 0.5, allowedError: 0)
    }

    /// dLogits nil: same loss and probabilities, nothing else written.
    @Test func nilGradientStillComputesLoss() {
        var p = [Float](repeating: 0, count: Self.logits.count)
        let loss = Self.logits.withUnsafeBufferPointer { pl in
            Self.labels.withUnsafeBufferPointer { py in
                p.withUnsafeMutableBufferPointer { pp in
                    SoftmaxCrossEntropy.forwardBackward(logits: pl.baseAddress!, labels: py.baseAddress!, rows: Self.rows,
                                                        classes: Self.classes, probabilities: pp.baseAddress!,
                                                        dLogits: nil, gradScale: 1)
                }
            }
        }
        let r = Self.run(Self.logits, Self.labels, classes: Self.classes, gradScale: 1)
        #expect(loss == r.loss)
        #expect(p == r.probabilities)
    }
}
