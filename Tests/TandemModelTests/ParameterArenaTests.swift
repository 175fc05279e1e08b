import Foundation
import TandemFormats
import TandemModel
import TandemTensor
import Testing

@Suite struct ParameterArenaTests {
    static let spec = NetworkSpec(inputs: 5, hidden: [7, 4], outputs: 3)

    static func filled() -> ParameterArena {
        let a = ParameterArena(spec.parameterSpecs)
        for i in 0..<a.count { a.params.base[i] = Float(i) * 0.5 - 3 }
        return a
    }

    static func loadError(_ tensors: [NamedTensor]) -> String? {
        do {
            try ParameterArena(spec.parameterSpecs).load(tensors)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// `zeroGrads(except:)` zeroes every gradient outside the kept ranges and leaves those as they were.
    @Test func zeroGradsExceptKeepsTheRanges() {
        let a = ParameterArena(Self.spec.parameterSpecs)
        for kept in [[], [0..<35], [35..<42, 70..<74], [86..<89], [0..<89]] as [[Range<Int>]] {
            for i in 0..<a.count { a.grads.base[i] = Float(i) + 1 }
            a.zeroGrads(except: kept)
            for i in 0..<a.count { #expect(a.grads.base[i] == (kept.contains { $0.contains(i) } ? Float(i) + 1 : 0)) }
        }
    }

    @Test func layoutIsContiguousInOrder() {
        let a = ParameterArena(Self.spec.parameterSpecs)
        #expect(a.slots.map(\.offset) == [0, 35, 42, 70, 74, 86])
        #expect(a.slots.map(\.count) == [35, 7, 28, 4, 12, 3])
        #expect(a.count == 89 && a.grads.count == 89)
        for (s, next) in zip(a.slots, a.slots.dropFirst()) { #expect(s.offset + s.count == next.offset) }
        #expect(a.slots.map(\.decays) == [true, false, true, false, true, false])
        #expect(a.slot(named: "layers.1.weight")?.shape == [4, 7])
        #expect(a.slot(named: "layers.9.weight") == nil)
        #expect(a.params.array.allSatisfy { $0 == 0 } && a.grads.array.allSatisfy { $0 == 0 })
    }

    @Test func tensorsAndLoadRoundTrip() throws {
        let a = Self.filled()
        let tensors = a.tensors()
        #expect(tensors.map(\.name) == a.slots.map(\.name))
        #expect(tensors.map(\.shape) == a.slots.map(\.shape))
        #expect(tensors[1].values == (35..<42).map { Float($0) * 0.5 - 3 })
        let b = ParameterArena(Self.spec.parameterSpecs)
        try b.load(tensors.reversed())   // order does not matter
        #expect(b.params.array == a.params.array)
        #expect(b.sha256 == a.sha256)
        // Through a safetensors file as well.
        let c = ParameterArena(Self.spec.parameterSpecs)
        try c.load(try SafeTensors.decode(SafeTensors.encode(tensors)).tensors)
        #expect(c.params.array == a.params.array)
    }

    @Test func loadRejectsMissingTensor() {
        let msg = Self.loadError(Self.filled().tensors().filter { $0.name != "layers.1.bias" })
        #expect(msg == "parameter 'layers.1.bias' is missing")
    }

    @Test func loadRejectsExtraTensor() {
        let msg = Self.loadError(Self.filled().tensors() + [NamedTensor(name: "layers.3.weight", shape: [1], values: [0])])
        #expect(msg == "unexpected parameter 'layers.3.weight'")
    }

    @Test(arguments: [[5, 7], [35], [7, 5, 1]])
    func loadRejectsMisShapedTensor(shape: [Int]) {
        var tensors = Self.filled().tensors()
        tensors[0].shape = shape   // same element count, wrong shape
        let msg = Self.loadError(tensors)
        #expect(msg == "parameter 'layers.0.weight' has shape \(shape), expected [7, 5]")
    }

    /// A tensor whose shape is right but whose values do not have shape.product elements must be
    /// rejected too (a regression test: `load` once checked only `shape`, silently dropping extra
    /// values). Only the memory-safe direction is exercised here.
    @Test func loadRejectsValueCountNotMatchingShape() {
        var tensors = Self.filled().tensors()
        tensors[1].values.append(99)   // layers.0.bias: shape [7], 8 values
        let msg = Self.loadError(tensors)
        #expect(msg?.contains("layers.0.bias") == true, "\(msg ?? "accepted")")
    }

    @Test func sha256HashesParametersAndChangesWithOneValue() {
        let a = ParameterArena(Self.spec.parameterSpecs)
        // SHA-256 of 89 * 4 zero bytes (Python: hashlib.sha256(bytes(356)).hexdigest()).
        #expect(a.sha256 == "0b449271fd1144706bf5906e35493614c6a9bacc6c4ac786e1ab8f8268f9ea0c")
        let before = a.sha256
        a.params.base[50] = 1e-30
        #expect(a.sha256 != before)
        a.params.base[50] = 0
        #expect(a.sha256 == before)
        a.params.base[50] = -0.0   // a different bit pattern is a different file
        #expect(a.sha256 != before)
        a.grads.fill(3)   // gradients are not part of the hash
        a.params.base[50] = 0
        #expect(a.sha256 == before)
    }
}
