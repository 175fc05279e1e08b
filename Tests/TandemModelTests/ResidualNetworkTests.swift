import TandemModel
import TandemTensor
import Testing
import TestSupport

/// The ResNet for tables: every parameter gradient against finite differences of the loss (with
/// each normalization, dropout on, training mode), its parameter layout, and a residual block
/// that is the identity plus its branch.
@Suite struct ResidualNetworkTests {
    static func makeNetwork(norm: NormKind, dropout: Double = 0.3) throws -> Network {
        let spec = NetworkSpec(inputs: 5, hidden: [], outputs: 3, activation: .tanh, dropout: dropout, initScheme: .xavier, norm: norm,
                               residual: ResidualShape(blocks: 2, width: 4, hidden: 6))
        let net = try Network(spec: spec)
        try Initializer.initialize(net.arena, scheme: .xavier, seed: 5)
        let noise = randomFloats(net.arena.count, seed: 6, scale: 0.3)
        for s in net.arena.slots where s.shape.count == 1 && !s.name.contains("running") {
            for i in 0..<s.count { net.arena.params.base[s.offset + i] += noise[s.offset + i] }
        }
        return net
    }

    @Test(arguments: [NormKind.none, .batch, .layer])
    func everyParameterGradientMatchesFiniteDifferences(_ norm: NormKind) throws {
        let head = LossHead.softmaxCrossEntropy(classes: 3)
        let net = try Self.makeNetwork(norm: norm)
        for slot in expectParameterGradientsMatchFiniteDifferences(net, head, "resnet \(norm)") {
            // With batch norm the input bias is a constant shift of the residual stream that every
            // following batch norm removes: its gradient is zero, and finite differences agree.
            if norm == .batch && slot.name == "input.bias" { continue }
            #expect(slot.gradient.contains { abs($0) > 1e-4 }, "resnet \(norm): \(slot.name) gradient is all ~0")
        }
    }

    /// Tensors in unit order: input, each block (norm, linear1, linear2), head (norm, dense).
    @Test func parameterLayout() throws {
        let spec = NetworkSpec(inputs: 5, hidden: [], outputs: 3, norm: .batch, residual: ResidualShape(blocks: 2, width: 4, hidden: 6))
        #expect(spec.unitCount == 4)
        #expect(spec.widths == [5, 4, 3])
        #expect(spec.parameterSpecs.map(\.name).prefix(8) == ["input.weight", "input.bias", "blocks.0.norm.weight", "blocks.0.norm.bias",
                                                               "blocks.0.norm.running_mean", "blocks.0.norm.running_var",
                                                               "blocks.0.linear1.weight", "blocks.0.linear1.bias"])
        #expect(spec.parameterSpecs.suffix(2).map(\.name) == ["head.weight", "head.bias"])
        #expect(spec.parameterCount == (5 * 4 + 4) + 2 * (4 * 4 + 6 * 4 + 6 + 4 * 6 + 4) + 4 * 4 + (4 * 3 + 3))
        #expect(spec.unitSizes.reduce(0, +) == spec.parameterCount)
        #expect(spec.checkedParameterSpecs(limit: 1 << 53)?.count == spec.parameterSpecs.count)
        let recorded = try NetworkSpec.recorded(kind: "resnet", widths: [5, 4, 3], norm: "batch", blocks: 2, blockHidden: 6)
        #expect(recorded.parameterSpecs.map(\.name) == spec.parameterSpecs.map(\.name))
        #expect(throws: ModelError.self) { try NetworkSpec.recorded(kind: "resnet", widths: [5, 4, 3], norm: nil, blocks: nil, blockHidden: 6) }
        #expect(throws: ModelError.self) { try NetworkSpec.recorded(kind: "mlp", widths: [5, 4, 3], norm: "group", blocks: nil, blockHidden: nil) }
    }

    /// At inference (dropout off) with the second linear layer zeroed, each block is the identity,
    /// so the network is head(act(norm(input(x)))).
    @Test func zeroBranchIsIdentity() throws {
        let net = try Self.makeNetwork(norm: .layer, dropout: 0)
        for s in net.arena.slots where s.name.contains("linear2") { (net.arena.params.base + s.offset).update(repeating: 0, count: s.count) }
        let x = NetworkGradientTests.x
        let y = try x.withUnsafeBufferPointer { try Array(UnsafeBufferPointer(start: net.forward($0.baseAddress!, rows: 8, context: ForwardContext(training: false)), count: 24)) }
        let block = try #require(net.layers[1] as? ResidualBlock)
        #expect(block.branch.count == 4)   // norm, linear1, activation, linear2
        let input = net.layers[0], tail = Array(net.layers[3...])
        var h = forward(input, x, rows: 8)
        for l in tail { h = forward(l, h, rows: 8) }
        #expect(relativeDifference(y, h) <= 1e-6)
    }
}
