import Foundation
import TandemModel
import TandemTensor
import Testing
import TestSupport

@Suite struct LossHeadTests {
    @Test(arguments: [(Int?.none, LossHead.meanSquaredError(outputs: 1)), (2, .binaryCrossEntropy),
                      (3, .softmaxCrossEntropy(classes: 3)), (10, .softmaxCrossEntropy(classes: 10))])
    func initFromClassCount(classes: Int?, expected: LossHead) {
        #expect(LossHead(classes: classes) == expected)
    }

    @Test func widths() {
        #expect(LossHead.softmaxCrossEntropy(classes: 4).outputs == 4)
        #expect(LossHead.softmaxCrossEntropy(classes: 4).probabilityWidth == 4)
        #expect(LossHead.binaryCrossEntropy.outputs == 1)
        #expect(LossHead.binaryCrossEntropy.probabilityWidth == 2)
        #expect(LossHead.meanSquaredError(outputs: 3).outputs == 3)
        #expect(LossHead.meanSquaredError(outputs: 3).probabilityWidth == 3)
    }

    /// Softmax rows sum to 1 and match exp(z)/sum exp(z) (1e-6), even for logits of +-1000.
    @Test func softmaxProbabilities() {
        let out = Matrix(rows: 3, cols: 3, values: [1, 2, 3, -1000, 0, 1000, 5, 5, 5])
        let p = LossHead.softmaxCrossEntropy(classes: 3).probabilities(out)
        #expect(p.rows == 3 && p.cols == 3)
        for r in 0..<3 { expectClose(Double(p.row(r).reduce(0, +)), 1, allowedError: 1e-6) }
        let e = [1.0, 2, 3].map(Foundation.exp)
        expectClose(p.row(0), e.map { Float($0 / e.reduce(0, +)) }, allowedError: 1e-6)
        #expect(p.row(1) == [0, 0, 1])
        expectClose(p.row(2), [1 / 3, 1 / 3, 1 / 3], allowedError: 1e-7)
    }

    @Test func binaryProbabilitiesAreOneMinusPAndP() {
        let out = Matrix(rows: 3, cols: 1, values: [0, 2, -1000])
        let p = LossHead.binaryCrossEntropy.probabilities(out)
        #expect(p.rows == 3 && p.cols == 2)
        let s = Float(1 / (1 + Foundation.exp(-2.0)))
        expectClose(p.values, [0.5, 0.5, 1 - s, s, 1, 0], allowedError: 1e-6)
    }

    @Test func regressionPassesThrough() {
        let out = Matrix(rows: 2, cols: 2, values: [1.5, -3, 1e6, 0])
        #expect(LossHead.meanSquaredError(outputs: 2).probabilities(out) == out)
    }

    /// lossSum dispatches to the right kernel; missing labels/targets give NaN rather than a crash.
    @Test func lossSumDispatchAndMissingInputs() {
        let output: [Float] = [0.5, -0.25, 1.0, 2.0]
        var scratch = [Float](repeating: 0, count: 4)
        let labels: [Int32] = [1, 0]
        let targets: [Float] = [0, 0, 1, 1]
        output.withUnsafeBufferPointer { po in
            labels.withUnsafeBufferPointer { pl in
                targets.withUnsafeBufferPointer { pt in
                    scratch.withUnsafeMutableBufferPointer { ps in
                        let o = po.baseAddress!, l = pl.baseAddress!, t = pt.baseAddress!, s = ps.baseAddress!
                        let mse = LossHead.meanSquaredError(outputs: 2).lossSum(output: o, labels: nil, targets: t, rows: 2, scratch: s,
                                                                                 dOutput: nil, gradScale: 1)
                        expectClose(mse, 0.25 + 0.0625 + 0 + 1, allowedError: 1e-7)
                        let ce = LossHead.softmaxCrossEntropy(classes: 2).lossSum(output: o, labels: l, targets: nil, rows: 2,
                                                                                   scratch: s, dOutput: nil, gradScale: 1)
                        // Row 0: label 1 of [0.5, -0.25]; row 1: label 0 of [1, 2].
                        let want = (Foundation.log(Foundation.exp(0.5) + Foundation.exp(-0.25)) + 0.25)
                            + (Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0)) - 1)
                        expectClose(ce, want, allowedError: 1e-6)
                        let bce = LossHead.binaryCrossEntropy.lossSum(output: o, labels: l, targets: nil, rows: 2, scratch: s,
                                                                      dOutput: nil, gradScale: 1)
                        // Logits 0.5 (label 1) and -0.25 (label 0): softplus(-0.5) + softplus(-0.25).
                        expectClose(bce, Foundation.log1p(Foundation.exp(-0.5)) + Foundation.log1p(Foundation.exp(-0.25)), allowedError: 1e-6)
                        #expect(LossHead.meanSquaredError(outputs: 2).lossSum(output: o, labels: l, targets: nil, rows: 2, scratch: s,
                                                                               dOutput: nil, gradScale: 1).isNaN)
                        #expect(LossHead.binaryCrossEntropy.lossSum(output: o, labels: nil, targets: t, rows: 2, scratch: s,
                                                                    dOutput: nil, gradScale: 1).isNaN)
                        #expect(LossHead.softmaxCrossEntropy(classes: 2).lossSum(output: o, labels: nil, targets: t, rows: 2,
                                                                                  scratch: s, dOutput: nil, gradScale: 1).isNaN)
                    }
                }
            }
        }
    }
}
