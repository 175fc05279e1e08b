import CKernels
import TandemTensor
import Testing

/// The softmax cross-entropy kernel (`tandem_softmax_xent` through `SoftmaxCrossEntropy.forwardBackward`,
/// each instruction set this CPU has) against the Swift loop `SoftmaxCrossEntropy.reference`,
/// bit for bit: class counts around the 8- and 16-lane blocks, logits spread far enough that
/// expf leaves its main path (below -87), NaN, class weights, and no gradient.
@Suite(.serialized) struct SoftmaxKernelTests {
    struct Output: Equatable { var loss: UInt64; var probabilities: [UInt32]; var dLogits: [UInt32] }

    static func run(_ logits: [Float], _ labels: [Int32], classes: Int, weights: [Float]?, gradient: Bool,
                    reference: Bool) -> Output {
        let rows = labels.count
        var p = [Float](repeating: 7, count: rows * classes)
        var d = [Float](repeating: 7, count: rows * classes)
        let loss = logits.withUnsafeBufferPointer { pl in
            labels.withUnsafeBufferPointer { py in
                p.withUnsafeMutableBufferPointer { pp in
                    d.withUnsafeMutableBufferPointer { pd in
                        (weights ?? [0]).withUnsafeBufferPointer { pw in
                            let f = reference ? SoftmaxCrossEntropy.reference : SoftmaxCrossEntropy.forwardBackward
                            return f(pl.baseAddress!, py.baseAddress!, rows, classes, pp.baseAddress!, gradient ? pd.baseAddress : nil,
                                     0.03125, weights == nil ? nil : pw.baseAddress)
                        }
                    }
                }
            }
        }
        return Output(loss: loss.bitPattern, probabilities: p.map(\.bitPattern), dLogits: d.map(\.bitPattern))
    }

    @Test(arguments: [3, 7, 8, 9, 10, 15, 16, 17, 33])
    func everyLevelGivesTheReferenceBits(classes: Int) {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        let rows = 19
        for (seed, scale) in [(UInt64(1), Float(1)), (2, 8), (3, 60), (4, 300)] {
            var logits = randomFloats(rows * classes, seed: seed * 1000 + UInt64(classes), scale: scale)
            if seed == 4 { logits[classes + 1] = .nan }
            var rng = RandomGenerator(seed: seed)
            let labels = (0..<rows).map { _ in Int32(rng.nextInt(below: classes)) }
            let weights = (0..<classes).map { Float($0 % 4) * 0.5 + 0.25 }
            for (w, gradient) in [(nil, true), (weights, true), (nil, false)] as [([Float]?, Bool)] {
                let expected = Self.run(logits, labels, classes: classes, weights: w, gradient: gradient, reference: true)
                for level in (0...best).reversed() {
                    #expect(tandem_kernel_level_cap(level) == level)
                    let got = Self.run(logits, labels, classes: classes, weights: w, gradient: gradient, reference: false)
                    #expect(got == expected, "level \(level), \(classes) classes, scale \(scale), weights \(w != nil), gradient \(gradient)")
                }
            }
        }
    }
}
