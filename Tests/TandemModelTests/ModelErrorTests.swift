import TandemFormats
import Testing
import TandemTensor
@testable import TandemModel

/// `ModelError` says what is wrong as a reason (the parameter, its shapes, the layer, the config
/// key); the message is derived from it with the texts it had as a bare message.
@Suite struct ModelErrorTests {
    @Test func loadingNamesTheParameterAndItsShapes() throws {
        let arena = ParameterArena([("layers.0.weight", [2, 3], true), ("layers.0.bias", [2], false)])
        let bias = NamedTensor(name: "layers.0.bias", shape: [2], values: [0, 0])
        func error(_ tensors: [NamedTensor]) -> ModelError? {
            do { try arena.load(tensors); return nil } catch { return error as? ModelError }
        }
        #expect(error([bias])?.reason == .missingParameter(name: "layers.0.weight", shape: nil))
        #expect(error([bias])?.description == "parameter 'layers.0.weight' is missing")
        let wide = NamedTensor(name: "layers.0.weight", shape: [3, 2], values: [Float](repeating: 0, count: 6))
        #expect(error([wide, bias])?.description == "parameter 'layers.0.weight' has shape [3, 2], expected [2, 3]")
        let short = NamedTensor(name: "layers.0.weight", shape: [2, 3], values: [0, 0])
        #expect(error([short, bias])?.reason == .wrongValueCount(name: "layers.0.weight", count: 2, shape: [2, 3]))
        #expect(error([short, bias])?.description == "parameter 'layers.0.weight' has 2 values for shape [2, 3] (6 expected)")
        let extra = NamedTensor(name: "layers.9.bias", shape: [1], values: [0])
        let full = NamedTensor(name: "layers.0.weight", shape: [2, 3], values: [Float](repeating: 0, count: 6))
        #expect(error([full, bias, extra])?.description == "unexpected parameter 'layers.9.bias'")
        #expect(error([full, bias]) == nil)
    }

    @Test func aBadSpecNamesTheConfigKey() {
        let spec = NetworkSpec(inputs: 4, hidden: [8, 0], outputs: 3)
        do { try spec.validate(); Issue.record("a zero-width layer was accepted") } catch let e as ModelError {
            #expect(e.reason == .invalidArchitecture(key: "model.hidden", problem: "layer width 0 must be positive"))
            #expect(e.description == "model.hidden: layer width 0 must be positive" && e.kind == .userInput)
        } catch { Issue.record("\(error)") }
    }
}
