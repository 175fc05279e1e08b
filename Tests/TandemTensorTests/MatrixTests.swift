import TandemTensor
import Testing
import TestSupport

@Suite struct MatrixTests {
    static let m = Matrix(rows: 3, cols: 4, values: (0..<12).map(Float.init))

    @Test func elementAccessIsRowMajor() {
        #expect(Self.m[1, 2] == 6)
        #expect(Self.m.row(2) == [8, 9, 10, 11])
        var z = Matrix(rows: 2, cols: 2, repeating: 1.5)
        z[1, 0] = 3
        #expect(z.values == [1.5, 1.5, 3, 1.5])
    }

    @Test func gatheringRowsInGivenOrderWithRepeats() {
        let g = Self.m.gathering(rows: [2, 0, 2])
        #expect(g.rows == 3 && g.cols == 4)
        #expect(g.values == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        let empty = Self.m.gathering(rows: [])
        #expect(empty.rows == 0 && empty.cols == 4 && empty.values.isEmpty)
    }

    @Test func transposedSwapsIndices() {
        let t = Self.m.transposed
        #expect(t.rows == 4 && t.cols == 3)
        for r in 0..<3 { for c in 0..<4 { #expect(t[c, r] == Self.m[r, c]) } }
        #expect(t.transposed == Self.m)
        #expect(Matrix(rows: 0, cols: 5).transposed.rows == 5)
    }

    /// Tolerance 1e-5 relative (k = 11 Float dot products).
    @Test(arguments: [(5, 11, 3), (1, 1, 1), (7, 2, 9)])
    func matmulMatchesReference(rows: Int, inner: Int, cols: Int) {
        let a = Matrix(rows: rows, cols: inner, values: randomFloats(rows * inner, seed: 1))
        let b = Matrix(rows: inner, cols: cols, values: randomFloats(inner * cols, seed: 2))
        let c = matmul(a, b)
        #expect(c.rows == rows && c.cols == cols)
        let want = referenceGEMM(.none, .none, m: rows, n: cols, k: inner, a: a.values, b: b.values,
                                 c: [Float](repeating: 0, count: rows * cols))
        #expect(relativeDifference(c.values, want) <= 1e-5)
    }

    @Test func matmulHandComputed() {
        let a = Matrix(rows: 2, cols: 3, values: [1, 2, 3, 4, 5, 6])
        let c = matmul(a, a.transposed)
        #expect(c == Matrix(rows: 2, cols: 2, values: [14, 32, 32, 77]))
    }

    @Test func matmulWithEmptyInnerDimensionIsZero() {
        let c = matmul(Matrix(rows: 2, cols: 0), Matrix(rows: 0, cols: 3))
        #expect(c == Matrix(rows: 2, cols: 3))
    }
}
