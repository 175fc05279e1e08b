import TandemModel
import TandemTensor
import Testing
import TestSupport

/// Batch and layer normalization: every gradient (input, gamma, beta) against central finite
/// differences in training and inference mode, the running statistics, and whole networks with
/// `norm` against finite differences of the loss.
@Suite struct NormalizationTests {
    static let rows = 6, features = 5

    /// A normalization layer over a fresh arena with random gamma, beta and running statistics.
    static func makeLayer(_ kind: NormKind) -> (any Layer, ParameterArena) {
        let arena = ParameterArena(kind.tensorNames.map { ("n.\($0)", [features], false) })
        let values = randomFloats(arena.count, seed: 17, scale: 0.5)
        for i in 0..<arena.count { arena.params.base[i] = values[i] }
        for i in 0..<features { arena.params.base[i] += 1 }   // gamma around 1
        let s = arena.slots
        if kind == .batch {
            for i in 0..<features { arena.params.base[s[3].offset + i] = 0.5 + abs(values[i]) }  // running variance > 0
            return (BatchNorm(arena: arena, weight: s[0], bias: s[1], runningMean: s[2], runningVar: s[3]), arena)
        }
        return (LayerNorm(arena: arena, weight: s[0], bias: s[1]), arena)
    }

    /// sum(y * w) for a fixed random w, so d loss / dy = w.
    static let w = randomFloats(rows * features, seed: 19)
    static let x = randomFloats(rows * features, seed: 23, scale: 2).enumerated().map { $0.element + Float($0.offset % features) }

    static func loss(_ layer: any Layer, _ x: [Float], training: Bool) -> Double {
        dot(forward(layer, x, rows: rows, context: ForwardContext(training: training)), w)
    }

    @Test(arguments: [NormKind.batch, .layer], [true, false])
    func gradientsMatchFiniteDifferences(_ kind: NormKind, training: Bool) {
        let (layer, arena) = Self.makeLayer(kind)
        let context = ForwardContext(training: training)
        arena.zeroGrads()
        let (_, dx) = forwardBackward(layer, Self.x, dy: Self.w, rows: Self.rows, context: context)
        let h: Float = 1e-2
        var x = Self.x
        var fdx = [Float](repeating: 0, count: x.count)
        for i in x.indices {
            let old = x[i]
            x[i] = old + h; let lp = Self.loss(layer, x, training: training)
            x[i] = old - h; let lm = Self.loss(layer, x, training: training)
            x[i] = old
            fdx[i] = Float((lp - lm) / Double(2 * h))
        }
        expectGradientsClose(dx, fdx, absolute: 2e-3, relative: 1e-2, "\(kind) training \(training): dx")
        #expect(dx.contains { abs($0) > 1e-2 })
        // gamma and beta (the running statistics get no gradient).
        let trained = 2 * Self.features
        var fdp = [Float](repeating: 0, count: trained)
        for i in 0..<trained {
            let old = arena.params.base[i]
            arena.params.base[i] = old + h; let lp = Self.loss(layer, Self.x, training: training)
            arena.params.base[i] = old - h; let lm = Self.loss(layer, Self.x, training: training)
            arena.params.base[i] = old
            fdp[i] = Float((lp - lm) / Double(2 * h))
        }
        let grads = arena.grads.array
        expectGradientsClose(Array(grads[0..<trained]), fdp, absolute: 2e-3, relative: 1e-2, "\(kind) training \(training): gamma, beta")
        #expect(grads[trained...].allSatisfy { $0 == 0 }, "running statistics received gradient")
    }

    /// Training mode normalizes each feature over the batch (mean 0, variance 1 before gamma and
    /// beta) and moves the running statistics by momentum 0.1 towards the batch mean and the
    /// unbiased variance; inference mode applies the running statistics.
    @Test func batchNormStatistics() {
        let (layer, arena) = Self.makeLayer(.batch)
        let f = Self.features, n = Self.rows
        let p = arena.params.base
        for c in 0..<f { p[c] = 1; p[f + c] = 0 }
        let before = Array(UnsafeBufferPointer(start: p + 2 * f, count: 2 * f))
        let y = forward(layer, Self.x, rows: n, context: ForwardContext(training: true))
        for c in 0..<f {
            let column = (0..<n).map { Double(Self.x[$0 * f + c]) }
            let mean = column.reduce(0, +) / Double(n)
            let biased = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
            let out = (0..<n).map { Double(y[$0 * f + c]) }
            expectClose(out.reduce(0, +) / Double(n), 0, allowedError: 1e-5)
            expectClose(out.map { $0 * $0 }.reduce(0, +) / Double(n), biased / (biased + 1e-5), allowedError: 1e-4)
            expectClose(Double(p[2 * f + c]), 0.9 * Double(before[c]) + 0.1 * mean, allowedError: 1e-5)
            expectClose(Double(p[3 * f + c]), 0.9 * Double(before[f + c]) + 0.1 * biased * Double(n) / Double(n - 1), allowedError: 1e-4)
        }
        let inference = forward(layer, Self.x, rows: n, context: ForwardContext(training: false))
        for r in 0..<n {
            for c in 0..<f {
                let expected = (Double(Self.x[r * f + c]) - Double(p[2 * f + c])) / (Double(p[3 * f + c]) + 1e-5).squareRoot()
                expectClose(Double(inference[r * f + c]), expected, allowedError: 1e-5)
            }
        }
    }

    /// Layer normalization gives each row mean 0 and variance ~1 (gamma 1, beta 0).
    @Test func layerNormRowsAreNormalized() {
        let (layer, arena) = Self.makeLayer(.layer)
        let f = Self.features
        for c in 0..<f { arena.params.base[c] = 1; arena.params.base[f + c] = 0 }
        let y = forward(layer, Self.x, rows: Self.rows, context: ForwardContext(training: false))
        for r in 0..<Self.rows {
            let row = y[(r * f)..<((r + 1) * f)].map(Double.init)
            expectClose(row.reduce(0, +) / Double(f), 0, allowedError: 1e-5)
            expectClose(row.map { $0 * $0 }.reduce(0, +) / Double(f), 1, allowedError: 1e-2)
        }
    }

    /// Every parameter gradient of a 5-7-4-3 MLP with `norm` (tanh, dropout 0.3, softmax) against
    /// finite differences of the loss, in training mode (batch statistics); running statistics
    /// get none.
    @Test(arguments: [NormKind.batch, .layer])
    func networkGradientsMatchFiniteDifferences(_ kind: NormKind) throws {
        let head = LossHead.softmaxCrossEntropy(classes: 3)
        let spec = NetworkSpec(inputs: 5, hidden: [7, 4], outputs: 3, activation: .tanh, dropout: 0.3, initScheme: .xavier, norm: kind)
        let net = try Network(spec: spec)
        try Initializer.initialize(net.arena, scheme: .xavier, seed: 5)
        let noise = randomFloats(net.arena.count, seed: 6, scale: 0.3)
        for s in net.arena.slots where s.shape.count == 1 && !s.name.contains("running") {
            for i in 0..<s.count { net.arena.params.base[s.offset + i] += noise[s.offset + i] }
        }
        #expect(net.arena.slot(named: "layers.1.norm.weight") != nil && net.arena.slot(named: "layers.2.norm.weight") == nil)
        expectParameterGradientsMatchFiniteDifferences(net, head, "\(kind)")
    }

    /// `norm: none` keeps the plain MLP's parameters (names, shapes, initial values) unchanged.
    @Test func noNormKeepsTheSpec() throws {
        let plain = NetworkSpec(inputs: 5, hidden: [7], outputs: 3)
        #expect(plain.parameterSpecs.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        let batch = NetworkSpec(inputs: 5, hidden: [7], outputs: 3, norm: .batch)
        #expect(batch.parameterCount == plain.parameterCount + 4 * 7)
        #expect(batch.checkedParameterSpecs(limit: 1 << 53)?.count == 8)
        #expect(NetworkSpec(inputs: 1 << 40, hidden: [1 << 40], outputs: 1, norm: .layer).checkedParameterSpecs(limit: 1 << 53) == nil)
        let net = try Network(spec: batch)
        try Initializer.initialize(net.arena, scheme: .he, seed: 1)
        let gamma = try #require(net.arena.slot(named: "layers.0.norm.weight"))
        let variance = try #require(net.arena.slot(named: "layers.0.norm.running_var"))
        #expect((0..<7).allSatisfy { net.arena.params.base[gamma.offset + $0] == 1 && net.arena.params.base[variance.offset + $0] == 1 })
    }
}
