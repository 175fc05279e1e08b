import TandemModel
import TandemTensor
import Testing
import TestSupport

/// End-to-end gradient checks: every parameter gradient of a 5-7-4-k MLP with each activation,
/// with and without dropout, under each loss head, against central finite differences of the
/// summed loss with respect to that parameter.
@Suite struct NetworkGradientTests {
    struct Case: Sendable, CustomStringConvertible {
        var activation: Activation
        var dropout: Double
        var head: LossHead
        var description: String { "\(activation), dropout \(dropout), \(head)" }
    }

    static let cases: [Case] = Activation.allCases.flatMap { f in
        [0.0, 0.3].flatMap { p in
            [LossHead.softmaxCrossEntropy(classes: 3), .binaryCrossEntropy, .meanSquaredError(outputs: 3)].map {
                Case(activation: f, dropout: p, head: $0)
            }
        }
    }

    static let rows = 8
    static let x = randomFloats(rows * 5, seed: 41, scale: 1.5)
    static let classLabels: [Int32] = [0, 2, 1, 1, 0, 2, 2, 1]
    static let binaryLabels: [Int32] = [1, 0, 0, 1, 1, 0, 1, 0]
    static let targets = randomFloats(rows * 3, seed: 42, scale: 2)
    /// Training mode with a fixed context, so the dropout mask is the same in every forward pass.
    static let context = ForwardContext(training: true, step: 3, rowOffset: 0, seed: 99)

    /// A network with random weights and (non-zero) random biases.
    static func makeNetwork(_ c: Case) throws -> Network {
        let spec = NetworkSpec(inputs: 5, hidden: [7, 4], outputs: c.head.outputs, activation: c.activation,
                               dropout: c.dropout, initScheme: .xavier)
        let net = try Network(spec: spec)
        try Initializer.initialize(net.arena, scheme: .xavier, seed: 5)
        let biases = randomFloats(net.arena.count, seed: 6, scale: 0.3)
        for slot in net.arena.slots where slot.shape.count == 1 {
            for i in 0..<slot.count { net.arena.params.base[slot.offset + i] = biases[slot.offset + i] }
        }
        return net
    }

    /// Loss sum over rows (gradScale 1); with `backward`, also backpropagates into `arena.grads`.
    static func loss(_ net: Network, _ head: LossHead, x: [Float] = x, rows: Int = rows, rowOffset: Int = 0,
                     labelOffset: Int = 0, backward: Bool = false, gradScale: Float = 1) -> Double {
        var ctx = context
        ctx.rowOffset = rowOffset
        var scratch = [Float](repeating: 0, count: rows * head.outputs)
        let labels = head == .binaryCrossEntropy ? binaryLabels : classLabels
        let lab = Array(labels[labelOffset..<(labelOffset + rows)])
        let tgt = Array(targets[(labelOffset * 3)..<((labelOffset + rows) * 3)])
        return x.withUnsafeBufferPointer { px in
            lab.withUnsafeBufferPointer { pl in
                tgt.withUnsafeBufferPointer { pt in
                    scratch.withUnsafeMutableBufferPointer { ps in
                        let out = try! net.forward(px.baseAddress!, rows: rows, context: ctx)
                        let l = head.lossSum(output: out, labels: pl.baseAddress!, targets: pt.baseAddress!, rows: rows,
                                             scratch: ps.baseAddress!, dOutput: backward ? net.outputGradient : nil,
                                             gradScale: gradScale)
                        if backward { try! net.backward() }
                        return l
                    }
                }
            }
        }
    }

    /// Central differences with h = 1e-2 (smooth activations; truncation ~h^2 |L'''| / 6 ~ 1e-4) or
    /// h = 1e-3 (relu, to keep perturbations from crossing its kink; Float rounding of the loss,
    /// ~1e-6, then contributes ~5e-4). Tolerance per element: 2e-3 absolute + 1e-2 relative, i.e.
    /// well under the gradient scale (max |g| is O(1)) but far above the FD error.
    @Test(arguments: cases)
    func everyParameterGradientMatchesFiniteDifferences(_ c: Case) throws {
        let net = try Self.makeNetwork(c)
        net.arena.zeroGrads()
        let l0 = Self.loss(net, c.head, backward: true)
        #expect(l0.isFinite && l0 > 0)
        let analytic = net.arena.grads.array

        let h: Float = c.activation == .relu ? 1e-3 : 1e-2
        var fd = [Float](repeating: 0, count: net.arena.count)
        for i in 0..<net.arena.count {
            let old = net.arena.params.base[i]
            net.arena.params.base[i] = old + h
            let lp = Self.loss(net, c.head)
            net.arena.params.base[i] = old - h
            let lm = Self.loss(net, c.head)
            net.arena.params.base[i] = old
            fd[i] = Float((lp - lm) / (2 * Double(h)))
        }
        for slot in net.arena.slots {
            let range = slot.offset..<(slot.offset + slot.count)
            expectGradientsClose(Array(analytic[range]), Array(fd[range]), absolute: 2e-3, relative: 1e-2, "\(c): \(slot.name)")
            #expect(analytic[range].contains { abs($0) > 1e-3 }, "\(c): \(slot.name) gradient is all ~0")
        }
        // The loss the backward pass saw is the one finite differences perturbed.
        #expect(Self.loss(net, c.head) == l0)
    }

    /// gradScale scales every parameter gradient linearly (tolerance 1e-6 relative).
    @Test(arguments: [LossHead.softmaxCrossEntropy(classes: 3), .binaryCrossEntropy, .meanSquaredError(outputs: 3)])
    func gradScaleScalesGradients(_ head: LossHead) throws {
        let net = try Self.makeNetwork(Case(activation: .tanh, dropout: 0.3, head: head))
        net.arena.zeroGrads()
        let l1 = Self.loss(net, head, backward: true)
        let g1 = net.arena.grads.array
        net.arena.zeroGrads()
        let lq = Self.loss(net, head, backward: true, gradScale: 0.25)
        #expect(lq == l1)   // the loss itself is not scaled
        #expect(relativeDifference(net.arena.grads.array, g1.map { $0 * 0.25 }) <= 1e-6)
    }

    /// Data parallelism in one process: rows 0..<3 at rowOffset 0 plus rows 3..<8 at rowOffset 3,
    /// accumulated into the same arena, give the loss and gradients of all 8 rows at once, with
    /// dropout active. Tolerance 1e-5 relative (sums re-associated).
    @Test(arguments: Activation.allCases)
    func shardedBatchMatchesWholeBatch(_ f: Activation) throws {
        let head = LossHead.softmaxCrossEntropy(classes: 3)
        let net = try Self.makeNetwork(Case(activation: f, dropout: 0.3, head: head))
        net.arena.zeroGrads()
        let whole = Self.loss(net, head, backward: true)
        let gWhole = net.arena.grads.array
        net.arena.zeroGrads()
        let a = Self.loss(net, head, x: Array(Self.x[..<15]), rows: 3, rowOffset: 0, labelOffset: 0, backward: true)
        let b = Self.loss(net, head, x: Array(Self.x[15...]), rows: 5, rowOffset: 3, labelOffset: 3, backward: true)
        expectClose(a + b, whole, allowedError: 1e-5 * whole)
        #expect(relativeDifference(net.arena.grads.array, gWhole) <= 1e-5)
    }
}

/// Checks every parameter gradient of `net` under `head` (`NetworkGradientTests.loss`) against
/// central finite differences with step `h` (1e-3 keeps ReLU kinks from being crossed); running statistics must receive none. Returns
/// each checked slot's name with its analytic gradient, for checks of their own.
@discardableResult
func expectParameterGradientsMatchFiniteDifferences(_ net: Network, _ head: LossHead, _ label: String,
                                                    x: [Float] = NetworkGradientTests.x, h: Float = 1e-2) -> [(name: String, gradient: [Float])] {
    net.arena.zeroGrads()
    _ = NetworkGradientTests.loss(net, head, x: x, backward: true)
    let analytic = net.arena.grads.array
    var checked: [(name: String, gradient: [Float])] = []
    for slot in net.arena.slots {
        let range = slot.offset..<(slot.offset + slot.count)
        if slot.name.contains("running") {
            #expect(analytic[range].allSatisfy { $0 == 0 }, "\(slot.name) received gradient")
            continue
        }
        var fd = [Float](repeating: 0, count: slot.count)
        for i in range {
            let old = net.arena.params.base[i]
            net.arena.params.base[i] = old + h; let lp = NetworkGradientTests.loss(net, head, x: x)
            net.arena.params.base[i] = old - h; let lm = NetworkGradientTests.loss(net, head, x: x)
            net.arena.params.base[i] = old
            fd[i - slot.offset] = Float((lp - lm) / Double(2 * h))
        }
        expectGradientsClose(Array(analytic[range]), fd, absolute: 2e-3, relative: 1e-2, "\(label): \(slot.name)")
        checked.append((slot.name, Array(analytic[range])))
    }
    return checked
}
