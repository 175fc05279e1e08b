import TandemModel
import TandemTensor
import Testing
import TestSupport

@Suite struct NormalEquationsTests {
    static let (rows, features, outputs) = (300, 4, 2)
    /// True weight `[outputs, features]` and bias.
    static let w: [Float] = [1.5, -2, 0.25, 3, -0.5, 0.75, 2, -1]
    static let b: [Float] = [0.3, -1.2]
    static let x = randomFloats(rows * features, seed: 51, scale: 2)

    /// y = x W^T + b + noise (noise in [-noise, noise)).
    static func targets(_ x: [Float], rows: Int, noise: Float) -> [Float] {
        let eps = randomFloats(rows * outputs, seed: 52, scale: noise)
        var y = [Float](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                var s = Double(b[o]) + Double(eps[r * outputs + o])
                for j in 0..<features { s += Double(x[r * features + j]) * Double(w[o * features + j]) }
                y[r * outputs + o] = Float(s)
            }
        }
        return y
    }

    static func accumulate(_ ne: inout NormalEquations, _ x: [Float], _ y: [Float], rows: Int) {
        x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { ne.accumulate(x: px.baseAddress!, y: $0.baseAddress!, rows: rows) }
        }
    }

    static func fit(_ x: [Float], _ y: [Float], rows: Int, features: Int = features, ridge: Double) throws -> (weight: [Float], bias: [Float]) {
        var ne = NormalEquations(features: features, outputs: outputs)
        accumulate(&ne, x, y, rows: rows)
        return try ne.solve(ridge: ridge)
    }

    /// Noise 1e-4: the least-squares error in w and b is ~1e-5; tolerance 1e-3.
    @Test func recoversWeightsAndBias() throws {
        let y = Self.targets(Self.x, rows: Self.rows, noise: 1e-4)
        let (weight, bias) = try Self.fit(Self.x, y, rows: Self.rows, ridge: 0)
        expectClose(weight, Self.w, allowedError: 1e-3)
        expectClose(bias, Self.b, allowedError: 1e-3)
    }

    /// One feature, bias not penalized: w = Sxy / (Sxx + ridge) on centered sums, b = ybar - w xbar
    /// (tolerance 1e-5 relative), and ridge > 0 shrinks the weight norm of the 4-feature fit.
    @Test func ridgeShrinksWeightsButNotBias() throws {
        let n = 50
        let x1 = randomFloats(n, seed: 53, scale: 3).map { $0 + 1 }
        let y1 = zip(x1, randomFloats(n, seed: 54, scale: 0.5)).map { 2 * $0 + 4 + $1 }
        let xbar = x1.reduce(0.0) { $0 + Double($1) } / Double(n)
        let ybar = y1.reduce(0.0) { $0 + Double($1) } / Double(n)
        let sxx = x1.reduce(0.0) { $0 + (Double($1) - xbar) * (Double($1) - xbar) }
        let sxy = zip(x1, y1).reduce(0.0) { $0 + (Double($1.0) - xbar) * (Double($1.1) - ybar) }
        for ridge in [0.0, 10, 1000] {
            var ne = NormalEquations(features: 1, outputs: 1)
            Self.accumulate(&ne, x1, y1, rows: n)
            let (w, b) = try ne.solve(ridge: ridge)
            let wWant = sxy / (sxx + ridge)
            expectClose(Double(w[0]), wWant, allowedError: 1e-5 * abs(wWant), "ridge \(ridge)")
            expectClose(Double(b[0]), ybar - wWant * xbar, allowedError: 1e-5 * max(1, abs(ybar)), "ridge \(ridge)")
        }

        let y = Self.targets(Self.x, rows: Self.rows, noise: 0.1)
        let norms = try [0.0, 1, 100, 10_000].map { ridge in
            try Self.fit(Self.x, y, rows: Self.rows, ridge: ridge).weight.reduce(0.0) { $0 + Double($1) * Double($1) }
        }
        #expect(norms == norms.sorted(by: >) && Set(norms).count == 4, "\(norms)")
        #expect(norms[3] < 0.2 * norms[0])
    }

    /// Duplicate (collinear) columns: the design is singular, yet the solve succeeds with the
    /// minimum-norm solution (the true weight 3 on the duplicated feature split 1.5 / 1.5) and the
    /// predictions still fit (tolerance 1e-3).
    @Test func duplicateColumnsGiveMinimumNormSolution() throws {
        let n = 100
        let base = randomFloats(n * 2, seed: 55, scale: 2)
        var x = [Float](), y = [Float]()
        for r in 0..<n {
            let a = base[2 * r], c = base[2 * r + 1]
            x += [a, a, c]
            y += [3 * a - c + 0.5, -a + 2 * c - 1]
        }
        var ne = NormalEquations(features: 3, outputs: 2)
        Self.accumulate(&ne, x, y, rows: n)
        let (w, b) = try ne.solve(ridge: 0)
        #expect(w.allSatisfy { $0.isFinite } && b.allSatisfy { $0.isFinite })
        expectClose(w, [1.5, 1.5, -1, -0.5, -0.5, 2], allowedError: 1e-3)
        expectClose(b, [0.5, -1], allowedError: 1e-3)
        var worst: Float = 0
        for r in 0..<n {
            for o in 0..<2 {
                let pred = b[o] + (0..<3).reduce(Float(0)) { $0 + w[o * 3 + $1] * x[r * 3 + $1] }
                worst = max(worst, abs(pred - y[r * 2 + o]))
            }
        }
        #expect(worst < 1e-3)
    }

    /// Accumulating in two chunks into one object is bitwise the same as one chunk (same order of
    /// additions); two ranks' partial sums added (the allreduce) agree to 1e-12 relative and give
    /// the same solution to 1e-5.
    @Test func chunkedAccumulationMatchesWhole() throws {
        let y = Self.targets(Self.x, rows: Self.rows, noise: 0.05)
        var whole = NormalEquations(features: Self.features, outputs: Self.outputs)
        Self.accumulate(&whole, Self.x, y, rows: Self.rows)
        let split = 123
        let (xa, xb) = (Array(Self.x[..<(split * Self.features)]), Array(Self.x[(split * Self.features)...]))
        let (ya, yb) = (Array(y[..<(split * Self.outputs)]), Array(y[(split * Self.outputs)...]))

        var chunked = NormalEquations(features: Self.features, outputs: Self.outputs)
        Self.accumulate(&chunked, xa, ya, rows: split)
        Self.accumulate(&chunked, xb, yb, rows: Self.rows - split)
        #expect(chunked.sums == whole.sums)

        var rankA = NormalEquations(features: Self.features, outputs: Self.outputs)
        var rankB = NormalEquations(features: Self.features, outputs: Self.outputs)
        Self.accumulate(&rankA, xa, ya, rows: split)
        Self.accumulate(&rankB, xb, yb, rows: Self.rows - split)
        var reduced = rankA
        reduced.sums = zip(rankA.sums, rankB.sums).map(+)
        for (s, t) in zip(reduced.sums, whole.sums) { #expect(abs(s - t) <= 1e-12 * max(1, abs(t))) }
        let (w1, b1) = try whole.solve(ridge: 0.5)
        let (w2, b2) = try reduced.solve(ridge: 0.5)
        expectClose(w2, w1, allowedError: 1e-5)
        expectClose(b2, b1, allowedError: 1e-5)
    }

    /// `sums` holds [A^T A (upper triangle), A^T Y] for A = [X, 1]; its size is d*d + d*outputs.
    @Test func sumsLayout() {
        var ne = NormalEquations(features: 2, outputs: 1)
        #expect(ne.sums.count == 9 + 3)
        Self.accumulate(&ne, [2, 3], [5], rows: 1)
        // A = [2, 3, 1]: upper triangle of A^T A, then A^T y = [10, 15, 5].
        #expect(ne.sums == [4, 6, 2, 0, 9, 3, 0, 0, 1, 10, 15, 5])
    }
}
