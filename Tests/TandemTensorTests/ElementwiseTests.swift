import TandemTensor
import Testing
import TestSupport

@Suite struct ElementwiseTests {
    @Test func addBiasBroadcastsOverRows() {
        var y: [Float] = [1, 2, 3, 4, 5, 6]   // [2, 3]
        let bias: [Float] = [10, 20, 30]
        y.withUnsafeMutableBufferPointer { py in
            bias.withUnsafeBufferPointer { Elementwise.addBias(py.baseAddress!, $0.baseAddress!, rows: 2, cols: 3) }
        }
        #expect(y == [11, 22, 33, 14, 25, 36])
    }

    @Test func addColumnSumsAccumulates() {
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]   // [4, 2]
        var out: [Float] = [100, -1]
        x.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { Elementwise.addColumnSums(px.baseAddress!, into: $0.baseAddress!, rows: 4, cols: 2) }
        }
        #expect(out == [116, 19])
    }

    /// Counts around the SIMD width (8) and the Double flush block (4096).
    /// Tolerance 1e-5 relative: each SIMD lane sums at most 512 squares in Float (bound 512 * 6e-8 = 3e-5,
    /// typical error far smaller).
    @Test(arguments: [0, 1, 7, 8, 9, 15, 17, 4095, 4096, 4097, 4103, 8192 + 13, 20_001])
    func sumOfSquaresMatchesDouble(count: Int) {
        let x = randomFloats(count, seed: UInt64(count) + 1, scale: 3)
        let want = x.reduce(0.0) { $0 + Double($1) * Double($1) }
        let got = withPointer(x) { Elementwise.sumOfSquares($0, count: count) }
        expectClose(got, want, allowedError: 1e-5 * max(want, 1e-30))
        if count > 0 { #expect(got > 0) }
    }

    /// Every element is counted exactly once (integers, so the sum is exact): 1^2 + ... + n^2.
    @Test(arguments: [5, 8, 4100, 9000])
    func sumOfSquaresCountsEachElementOnce(count: Int) {
        let x = (1...count).map { Float($0 % 16) }
        let want = x.reduce(0.0) { $0 + Double($1 * $1) }
        #expect(withPointer(x) { Elementwise.sumOfSquares($0, count: count) } == want)
    }

    /// Works from an address that is not 32-byte aligned.
    @Test func sumOfSquaresUnaligned() {
        let x = randomFloats(101, seed: 9)
        let want = x.dropFirst().reduce(0.0) { $0 + Double($1) * Double($1) }
        let got = x.withUnsafeBufferPointer { Elementwise.sumOfSquares($0.baseAddress! + 1, count: 100) }
        expectClose(got, want, allowedError: 1e-6 * want)
    }

    @Test func scaleMultipliesEveryElement() {
        var x: [Float] = [1, -2, 3.5, 0]
        x.withUnsafeMutableBufferPointer { Elementwise.scale($0.baseAddress!, by: -0.5, count: 4) }
        #expect(x == [-0.5, 1, -1.75, 0])
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func allFiniteDetectsNonFinite(_ bad: Float) {
        var x = randomFloats(37, seed: 2)
        #expect(withPointer(x) { Elementwise.allFinite($0, count: x.count) })
        x[36] = bad
        #expect(!withPointer(x) { Elementwise.allFinite($0, count: x.count) })
        #expect(withPointer(x) { Elementwise.allFinite($0, count: 36) })   // only the first 36 are checked
        #expect(withPointer([]) { Elementwise.allFinite($0, count: 0) })
    }
}
