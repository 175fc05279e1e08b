import TandemModel
import TandemTensor
import Testing
import TestSupport

@Suite struct DropoutTests {
    static let features = 50
    /// Inputs bounded away from 0 so a zero output always means "dropped".
    static func input(rows: Int) -> [Float] { randomFloats(rows * features, seed: 31).map { $0 >= 0 ? $0 + 0.5 : $0 - 0.5 } }
    static let train = ForwardContext(training: true, step: 17, rowOffset: 0, seed: 1234)

    @Test(arguments: [Float(0), 0.3, 0.9])
    func inferenceIsIdentity(rate: Float) {
        let d = Dropout(rate: rate, features: Self.features, layerIndex: 0)
        let x = Self.input(rows: 6)
        let (y, dx) = forwardBackward(d, x, dy: x.map { $0 * 3 }, rows: 6, context: ForwardContext(training: false, seed: 9))
        #expect(y == x)
        #expect(dx == x.map { $0 * 3 })
    }

    @Test func rateZeroIsIdentityInTraining() {
        let d = Dropout(rate: 0, features: Self.features, layerIndex: 0)
        let x = Self.input(rows: 4)
        #expect(forward(d, x, rows: 4, context: Self.train) == x)
    }

    /// 200 x 50 = 10k elements: the dropped fraction is within 0.02 of `rate` (sd <= 0.005), and
    /// kept elements are x / (1 - rate) (tolerance 1 ulp-ish: 1e-6 relative).
    @Test(arguments: [Float(0.1), 0.3, 0.5, 0.8])
    func trainingDropsAboutRateAndScalesTheRest(rate: Float) {
        let rows = 200
        let d = Dropout(rate: rate, features: Self.features, layerIndex: 2)
        let x = Self.input(rows: rows)
        let y = forward(d, x, rows: rows, context: Self.train)
        let dropped = y.filter { $0 == 0 }.count
        expectClose(Double(dropped) / Double(y.count), Double(rate), allowedError: 0.02)
        var worst: Float = 0
        for i in x.indices where y[i] != 0 { worst = max(worst, abs(y[i] - x[i] / (1 - rate)) / abs(x[i] / (1 - rate))) }
        #expect(worst <= 1e-6)
        // Every row gets its own mask (rows are not all identical).
        #expect(Set((0..<rows).map { r in (0..<Self.features).map { y[r * Self.features + $0] == 0 } }).count > rows / 2)
    }

    /// The mask depends only on (seed, step, layer, rowOffset + r): rows 0..<8 in one call equal
    /// rows 0..<4 at rowOffset 0 plus rows 4..<8 at rowOffset 4 (data-parallel == single process).
    @Test func maskDependsOnGlobalRowNotOnTheSplit() {
        let d = Dropout(rate: 0.4, features: Self.features, layerIndex: 1)
        let x = Self.input(rows: 8)
        let whole = forward(d, x, rows: 8, context: Self.train)
        let half = 4 * Self.features
        var first = Self.train
        first.rowOffset = 0
        var second = Self.train
        second.rowOffset = 4
        let a = forward(Dropout(rate: 0.4, features: Self.features, layerIndex: 1), Array(x[..<half]), rows: 4, context: first)
        let b = forward(d, Array(x[half...]), rows: 4, context: second)
        #expect(a + b == whole)
        // Rows 4..<8 run at rowOffset 0 instead would get other masks.
        let wrong = forward(d, Array(x[half...]), rows: 4, context: first)
        #expect(wrong != Array(whole[half...]))
    }

    /// Different step, seed or layer index gives a different mask; the same context the same mask.
    @Test func maskIsKeyedBySeedStepAndLayer() {
        let x = Self.input(rows: 4)
        func run(layer: Int, _ ctx: ForwardContext) -> [Float] {
            forward(Dropout(rate: 0.5, features: Self.features, layerIndex: layer), x, rows: 4, context: ctx)
        }
        let base = run(layer: 0, Self.train)
        #expect(run(layer: 0, Self.train) == base)
        var other = Self.train
        other.step += 1
        #expect(run(layer: 0, other) != base)
        other = Self.train
        other.seed += 1
        #expect(run(layer: 0, other) != base)
        #expect(run(layer: 1, Self.train) != base)
    }

    /// Backward multiplies dy by the same mask as the forward pass: dx = dy * y / x.
    @Test func backwardUsesTheForwardMask() {
        let rows = 10
        let rate: Float = 0.35
        let d = Dropout(rate: rate, features: Self.features, layerIndex: 0)
        let x = Self.input(rows: rows)
        let dy = randomFloats(rows * Self.features, seed: 32)
        let (y, dx) = forwardBackward(d, x, dy: dy, rows: rows, context: Self.train)
        let keep = 1 / (1 - rate)
        for i in x.indices {
            let expected: Float = y[i] == 0 ? 0 : dy[i] * keep
            if dx[i] != expected { Issue.record("element \(i): dx \(dx[i]) vs \(expected)"); break }
        }
        #expect(dx.contains(0) && dx.contains { $0 != 0 })
    }

    /// After an inference forward, backward passes dy through unchanged (no stale training mask).
    @Test func backwardAfterInferenceIsIdentity() {
        let d = Dropout(rate: 0.5, features: Self.features, layerIndex: 0)
        let x = Self.input(rows: 3)
        _ = forward(d, x, rows: 3, context: Self.train)
        let dy = randomFloats(3 * Self.features, seed: 33)
        let (_, dx) = forwardBackward(d, x, dy: dy, rows: 3, context: ForwardContext(training: false))
        #expect(dx == dy)
    }

    /// The workspace grows when a later batch has more rows than the first.
    @Test func growingBatchesWork() {
        let d = Dropout(rate: 0.5, features: Self.features, layerIndex: 0)
        _ = forward(d, Self.input(rows: 2), rows: 2, context: Self.train)
        let x = Self.input(rows: 9)
        let dy = randomFloats(9 * Self.features, seed: 34)
        let (y, dx) = forwardBackward(d, x, dy: dy, rows: 9, context: Self.train)
        for i in x.indices where (y[i] == 0) != (dx[i] == 0) { Issue.record("mask mismatch at \(i)"); break }
    }
}
