import TandemModel
import TandemTensor
import Testing
import TestSupport

@Suite struct InitializerTests {
    static func arena(_ spec: NetworkSpec, _ scheme: InitScheme, seed: UInt64) throws -> ParameterArena {
        let a = ParameterArena(spec.parameterSpecs)
        a.params.fill(7)   // biases must be reset, not just left at zero
        try Initializer.initialize(a, scheme: scheme, seed: seed)
        return a
    }

    static func values(_ a: ParameterArena, _ name: String) throws -> [Float] {
        let s = try #require(a.slot(named: name))
        return Array(UnsafeBufferPointer(start: a.params.base + s.offset, count: s.count))
    }

    static func meanAndStd(_ v: [Float]) -> (Double, Double) {
        let m = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
        let varc = v.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(v.count)
        return (m, varc.squareRoot())
    }

    /// He: std = sqrt(2 / fan_in) within 10% on a 256 x 256 layer (65536 samples: sd of the std
    /// estimate ~0.3%); a 256 -> 64 layer too, so fan_in (not fan_out) is what matters.
    @Test func heHasExpectedStd() throws {
        let a = try Self.arena(NetworkSpec(inputs: 256, hidden: [256], outputs: 64), .he, seed: 1)
        let (m0, s0) = Self.meanAndStd(try Self.values(a, "layers.0.weight"))
        expectClose(s0, (2.0 / 256).squareRoot(), allowedError: 0.1 * (2.0 / 256).squareRoot())
        expectClose(m0, 0, allowedError: 0.02 * s0)   // sd of the mean is s0 / 256
        let (_, s1) = Self.meanAndStd(try Self.values(a, "layers.1.weight"))
        expectClose(s1, (2.0 / 256).squareRoot(), allowedError: 0.1 * (2.0 / 256).squareRoot())
        let b = try Self.arena(NetworkSpec(inputs: 64, hidden: [256], outputs: 1), .he, seed: 1)
        let (_, s2) = Self.meanAndStd(try Self.values(b, "layers.0.weight"))
        expectClose(s2, (2.0 / 64).squareRoot(), allowedError: 0.1 * (2.0 / 64).squareRoot())
    }

    /// Xavier/Glorot uniform: every |w| <= a = sqrt(6 / (in + out)), the extremes come close to a,
    /// and the std is a / sqrt(3) (within 5%).
    @Test func xavierIsBoundedUniform() throws {
        let a = try Self.arena(NetworkSpec(inputs: 100, hidden: [60], outputs: 3), .xavier, seed: 2)
        for (name, fanIn, fanOut) in [("layers.0.weight", 100, 60), ("layers.1.weight", 60, 3)] {
            let w = try Self.values(a, name)
            let bound = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
            #expect(w.allSatisfy { abs($0) <= bound }, "\(name)")
            #expect(w.map(abs).max()! > 0.95 * bound, "\(name)")
            if w.count > 1000 {
                expectClose(Self.meanAndStd(w).1, Double(bound) / 3.0.squareRoot(), allowedError: 0.05 * Double(bound) / 3.0.squareRoot())
            }
        }
    }

    /// W W^T = I when out <= in (orthonormal rows), W^T W = I when out > in (orthonormal columns);
    /// tolerance 1e-4 (Float QR: errors ~1e-6).
    @Test(arguments: [(6, 9), (9, 6), (8, 8), (1, 5), (5, 1)])
    func orthogonalIsOrthonormal(inputs: Int, outputs: Int) throws {
        let a = try Self.arena(NetworkSpec(inputs: inputs, hidden: [], outputs: outputs), .orthogonal, seed: 3)
        let w = Matrix(rows: outputs, cols: inputs, values: try Self.values(a, "layers.0.weight"))
        let g = outputs <= inputs ? matmul(w, w.transposed) : matmul(w.transposed, w)
        let k = min(inputs, outputs)
        var identity = Matrix(rows: k, cols: k)
        for i in 0..<k { identity[i, i] = 1 }
        expectClose(g.values, identity.values, allowedError: 1e-4, "\(outputs)x\(inputs)")
        #expect(try Self.values(a, "layers.0.bias").allSatisfy { $0 == 0 })
        if k > 1 { #expect(w.values.filter { abs($0) > 1e-3 }.count > k) }   // not a permutation of I
    }

    @Test(arguments: InitScheme.allCases)
    func biasesAreZeroAndResultIsDeterministic(_ scheme: InitScheme) throws {
        let spec = NetworkSpec(inputs: 7, hidden: [5, 6], outputs: 3)
        let a = try Self.arena(spec, scheme, seed: 10)
        for slot in a.slots where slot.shape.count == 1 {
            #expect(try Self.values(a, slot.name).allSatisfy { $0 == 0 }, "\(slot.name)")
        }
        for slot in a.slots where slot.shape.count == 2 {
            #expect(try Self.values(a, slot.name).allSatisfy { $0 != 0 && $0.isFinite }, "\(slot.name)")
        }
        let again = try Self.arena(spec, scheme, seed: 10)
        #expect(again.params.array == a.params.array)
        let other = try Self.arena(spec, scheme, seed: 11)
        #expect(other.params.array != a.params.array)
        // Different layers get different streams.
        #expect(try Self.values(a, "layers.0.weight").prefix(5) != Self.values(a, "layers.1.weight").prefix(5))
    }
}
