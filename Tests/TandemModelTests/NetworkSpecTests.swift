import TandemModel
import Testing

@Suite struct NetworkSpecTests {
    @Test func widthsAndParameterSpecs() {
        let spec = NetworkSpec(inputs: 5, hidden: [7, 4], outputs: 3)
        #expect(spec.widths == [5, 7, 4, 3])
        let specs = spec.parameterSpecs
        #expect(specs.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                                      "layers.2.weight", "layers.2.bias"])
        #expect(specs.map(\.shape) == [[7, 5], [7], [4, 7], [4], [3, 4], [3]])
        #expect(specs.map(\.decays) == [true, false, true, false, true, false])
        #expect(NetworkSpec(inputs: 2, hidden: [], outputs: 1).parameterSpecs.map(\.shape) == [[1, 2], [1]])
    }

    @Test func defaults() {
        let spec = NetworkSpec(inputs: 1, hidden: [], outputs: 1)
        #expect(spec.activation == .relu && spec.dropout == 0 && spec.initScheme == .he)
    }

    /// 2 FLOPs per multiply-add: 2 * (5*7 + 7*4 + 4*3) = 150.
    @Test func forwardFLOPs() {
        #expect(NetworkSpec(inputs: 5, hidden: [7, 4], outputs: 3).forwardFLOPsPerSample == 150)
        #expect(NetworkSpec(inputs: 784, hidden: [], outputs: 10).forwardFLOPsPerSample == 15680)
    }

    @Test(arguments: [0.0, 0.5, 0.999])
    func validSpecsPass(dropout: Double) throws {
        try NetworkSpec(inputs: 3, hidden: [2, 1], outputs: 1, dropout: dropout).validate()
    }

    @Test(arguments: [
        (NetworkSpec(inputs: 0, hidden: [4], outputs: 2), "no input features"),
        (NetworkSpec(inputs: 3, hidden: [4], outputs: 0), "no outputs"),
        (NetworkSpec(inputs: 3, hidden: [4, 0], outputs: 2), "model.hidden: layer width 0 must be positive"),
        (NetworkSpec(inputs: 3, hidden: [-2], outputs: 2), "model.hidden: layer width -2 must be positive"),
        (NetworkSpec(inputs: 3, hidden: [4], outputs: 2, dropout: 1.0), "model.dropout: 1.0 must be in [0, 1)"),
        (NetworkSpec(inputs: 3, hidden: [4], outputs: 2, dropout: -0.1), "model.dropout: -0.1 must be in [0, 1)"),
        (NetworkSpec(inputs: 3, hidden: [4], outputs: 2, dropout: .nan), "model.dropout"),
    ])
    func invalidSpecsThrowNamingTheField(spec: NetworkSpec, message: String) {
        do {
            try spec.validate()
            Issue.record("validate accepted \(spec)")
        } catch let e as ModelError {
            #expect(e.description.contains(message), "\(e.description)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
