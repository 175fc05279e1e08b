import Foundation
import TandemTensor
import Testing
import TestSupport

@Suite struct BinaryCrossEntropyTests {
    struct Result { var loss: Double; var probabilities: [Float]; var dLogits: [Float] }

    static func run(_ logits: [Float], _ labels: [Int32], gradScale: Float) -> Result {
        var p = [Float](repeating: .nan, count: logits.count)
        var d = [Float](repeating: .nan, count: logits.count)
        let loss = logits.withUnsafeBufferPointer { pl in
            labels.withUnsafeBufferPointer { py in
                p.withUnsafeMutableBufferPointer { pp in
                    d.withUnsafeMutableBufferPointer { pd in
                        BinaryCrossEntropy.forwardBackward(logits: pl.baseAddress!, labels: py.baseAddress!, rows: logits.count,
                                                           probabilities: pp.baseAddress!, dLogits: pd.baseAddress!,
                                                           gradScale: gradScale)
                    }
                }
            }
        }
        return Result(loss: loss, probabilities: p, dLogits: d)
    }

    static let logits: [Float] = [-4.5, -2, -0.75, -0.1, 0.3, 1.1, 2.6, 5, -1.4, 0.9, 3.3]
    static let labels: [Int32] = [0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0]

    /// Loss against `-(y log p + (1-y) log(1-p))` with p = sigmoid(z) in Double.
    /// Tolerance 1e-5 relative (per-row terms are computed in Float).
    @Test func lossMatchesDoubleComputation() {
        let r = Self.run(Self.logits, Self.labels, gradScale: 1)
        var want = 0.0
        for (z, y) in zip(Self.logits, Self.labels) {
            let p = 1 / (1 + Foundation.exp(-Double(z)))
            want += y == 1 ? -Foundation.log(p) : -Foundation.log(1 - p)
        }
        expectClose(r.loss, want, allowedError: 1e-5 * want)
        let wantP = Self.logits.map { Float(1 / (1 + Foundation.exp(-Double($0)))) }
        expectClose(r.probabilities, wantP, allowedError: 1e-6)
    }

    /// dLogits against central differences of the loss sum, h = 1e-2 in Float.
    /// Tolerance 2e-3 * |gradScale| absolute per element (as for softmax cross-entropy).
    @Test(arguments: [Float(1), 0.25, -3])
    func gradientMatchesFiniteDifferences(gradScale: Float) {
        let r = Self.run(Self.logits, Self.labels, gradScale: gradScale)
        let h: Float = 1e-2
        var fd = [Float](repeating: 0, count: Self.logits.count)
        for i in Self.logits.indices {
            var plus = Self.logits, minus = Self.logits
            plus[i] += h
            minus[i] -= h
            let diff = Self.run(plus, Self.labels, gradScale: 0).loss - Self.run(minus, Self.labels, gradScale: 0).loss
            fd[i] = Float(diff / Double(plus[i] - minus[i])) * gradScale
        }
        expectClose(r.dLogits, fd, allowedError: 2e-3 * abs(gradScale))
        let closed = zip(r.probabilities, Self.labels).map { ($0 - Float($1)) * gradScale }
        expectClose(r.dLogits, closed, allowedError: 1e-6 * max(1, abs(gradScale)))
    }

    /// Logits of +-1000: finite loss equal to |z| for the wrong label and 0 for the right one.
    @Test func stableForHugeLogits() {
        let r = Self.run([1000, -1000, 1000, -1000], [1, 0, 0, 1], gradScale: 1)
        #expect(r.loss.isFinite)
        expectClose(r.loss, 2000, allowedError: 1e-6)
        #expect(r.probabilities == [1, 0, 1, 0])
        #expect(r.dLogits == [0, 0, 1, -1])
    }

    /// Any non-zero label counts as the positive class.
    @Test func nonZeroLabelIsPositive() {
        #expect(Self.run([0.7], [1], gradScale: 1).loss == Self.run([0.7], [5], gradScale: 1).loss)
    }
}
