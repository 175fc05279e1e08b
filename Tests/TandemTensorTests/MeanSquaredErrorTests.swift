import TandemTensor
import Testing
import TestSupport

@Suite struct MeanSquaredErrorTests {
    static func run(_ pred: [Float], _ target: [Float], gradScale: Float) -> (loss: Double, d: [Float]) {
        var d = [Float](repeating: .nan, count: pred.count)
        let loss = pred.withUnsafeBufferPointer { pp in
            target.withUnsafeBufferPointer { pt in
                d.withUnsafeMutableBufferPointer { pd in
                    MeanSquaredError.forwardBackward(predictions: pp.baseAddress!, targets: pt.baseAddress!,
                                                     count: pred.count, dPred: pd.baseAddress!, gradScale: gradScale)
                }
            }
        }
        return (loss, d)
    }

    static let pred = randomFloats(13, seed: 3, scale: 4)
    static let target = randomFloats(13, seed: 4, scale: 4)

    /// Sum (not mean) of squared errors; tolerance 1e-6 relative (Float differences, Double squares).
    @Test func lossIsSumOfSquaredErrors() {
        let want = zip(Self.pred, Self.target).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
        let r = Self.run(Self.pred, Self.target, gradScale: 1)
        expectClose(r.loss, want, allowedError: 1e-6 * want)
        #expect(Self.run([1, 2], [4, -2], gradScale: 1).loss == 25)
    }

    /// dPred against central differences (h = 1e-2; the loss is quadratic so FD is exact up to
    /// rounding). Tolerance 1e-3 * |gradScale| absolute; closed form 2 (p - t) gradScale to 1e-6.
    @Test(arguments: [Float(1), 0.5, -1.5])
    func gradientMatchesFiniteDifferences(gradScale: Float) {
        let r = Self.run(Self.pred, Self.target, gradScale: gradScale)
        let h: Float = 1e-2
        var fd = [Float](repeating: 0, count: Self.pred.count)
        for i in Self.pred.indices {
            var plus = Self.pred, minus = Self.pred
            plus[i] += h
            minus[i] -= h
            let diff = Self.run(plus, Self.target, gradScale: 0).loss - Self.run(minus, Self.target, gradScale: 0).loss
            fd[i] = Float(diff / Double(plus[i] - minus[i])) * gradScale
        }
        expectClose(r.d, fd, allowedError: 1e-3 * abs(gradScale))
        expectClose(r.d, zip(Self.pred, Self.target).map { 2 * ($0 - $1) * gradScale }, allowedError: 1e-6)
    }

    @Test func largeValuesStayFinite() {
        let r = Self.run([1000, -1000], [-1000, 1000], gradScale: 1)
        #expect(r.loss == 8_000_000)
        #expect(r.d == [4000, -4000])
    }
}
