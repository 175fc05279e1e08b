import TandemModel
import TandemTensor
import Testing
import TestSupport

/// Dense `y = x W^T + b` with odd sizes: in = 13, out = 17, rows = 7.
@Suite struct DenseTests {
    static let (inF, outF, rows) = (13, 17, 7)

    /// A fresh arena holding W `[17, 13]` and b `[17]` with random values, and the layer over it.
    static func makeLayer() -> (ParameterArena, Dense) {
        let arena = ParameterArena([("w", [outF, inF], true), ("b", [outF], false)])
        let values = randomFloats(arena.count, seed: 11)
        for i in values.indices { arena.params.base[i] = values[i] }
        return (arena, Dense(arena: arena, weight: arena.slots[0], bias: arena.slots[1]))
    }

    static let x = randomFloats(rows * inF, seed: 12)
    /// Fixed random R for the scalar loss L = sum(y * R), so dL/dy = R.
    static let r = randomFloats(rows * outF, seed: 13)

    static func weight(_ a: ParameterArena) -> [Float] { Array(a.params.buffer[0..<(outF * inF)]) }
    static func bias(_ a: ParameterArena) -> [Float] { Array(a.params.buffer[(outF * inF)...]) }

    /// Forward against a naive triple loop in Double; tolerance 1e-5 relative (13-term Float dots).
    @Test func forwardIsXWTransposePlusB() {
        let (arena, dense) = Self.makeLayer()
        #expect(dense.inFeatures == 13 && dense.outFeatures == 17)
        #expect(dense.weightOffset == 0 && dense.biasOffset == 221)
        let w = Self.weight(arena), b = Self.bias(arena)
        let y = forward(dense, Self.x, rows: Self.rows)
        var want = [Float](repeating: 0, count: Self.rows * Self.outF)
        for r in 0..<Self.rows {
            for o in 0..<Self.outF {
                var s = Double(b[o])
                for i in 0..<Self.inF { s += Double(Self.x[r * Self.inF + i]) * Double(w[o * Self.inF + i]) }
                want[r * Self.outF + o] = Float(s)
            }
        }
        #expect(relativeDifference(y, want) <= 1e-5)
    }

    /// Backward against the exact formulas in Double (the layer is linear): dW = R^T x,
    /// db = column sums of R, dx = R W. Tolerance 1e-5 relative (Float GEMM of <= 17 terms).
    @Test func backwardMatchesAnalyticFormulas() {
        let (arena, dense) = Self.makeLayer()
        let (n, i, o) = (Self.rows, Self.inF, Self.outF)
        let w = Self.weight(arena)
        let (_, dx) = forwardBackward(dense, Self.x, dy: Self.r, rows: n)
        var dW = [Float](repeating: 0, count: o * i), db = [Float](repeating: 0, count: o), dxWant = [Float](repeating: 0, count: n * i)
        for a in 0..<o {
            for c in 0..<i { dW[a * i + c] = Float((0..<n).reduce(0.0) { $0 + Double(Self.r[$1 * o + a]) * Double(Self.x[$1 * i + c]) }) }
            db[a] = Float((0..<n).reduce(0.0) { $0 + Double(Self.r[$1 * o + a]) })
        }
        for row in 0..<n {
            for c in 0..<i { dxWant[row * i + c] = Float((0..<o).reduce(0.0) { $0 + Double(Self.r[row * o + $1]) * Double(w[$1 * i + c]) }) }
        }
        let grads = arena.grads.array
        #expect(relativeDifference(Array(grads[0..<(o * i)]), dW) <= 1e-5)
        #expect(relativeDifference(Array(grads[(o * i)...]), db) <= 1e-5)
        #expect(relativeDifference(dx, dxWant) <= 1e-5)
    }

    /// Backward against central finite differences of L = sum(y * R), h = 1e-2 on Float inputs.
    /// L is linear in each variable, so the only error is Float rounding of L (|L| ~ 10, ulp ~1e-6,
    /// divided by 2h -> ~1e-4). Tolerance: 1e-3 absolute + 1e-3 relative per element.
    @Test func backwardMatchesFiniteDifferences() {
        let (arena, dense) = Self.makeLayer()
        let (_, dx) = forwardBackward(dense, Self.x, dy: Self.r, rows: Self.rows)
        let analytic = arena.grads.array
        let h: Float = 1e-2
        func loss(_ x: [Float]) -> Double { dot(forward(dense, x, rows: Self.rows), Self.r) }

        var fdParams = [Float](repeating: 0, count: arena.count)
        for p in 0..<arena.count {
            let old = arena.params.base[p]
            arena.params.base[p] = old + h
            let lp = loss(Self.x)
            arena.params.base[p] = old - h
            let lm = loss(Self.x)
            arena.params.base[p] = old
            fdParams[p] = Float((lp - lm) / (2 * Double(h)))
        }
        expectGradientsClose(analytic, fdParams, absolute: 1e-3, relative: 1e-3, "dW, db")

        var fdX = [Float](repeating: 0, count: Self.x.count)
        for k in Self.x.indices {
            var plus = Self.x, minus = Self.x
            plus[k] += h
            minus[k] -= h
            fdX[k] = Float((loss(plus) - loss(minus)) / (2 * Double(h)))
        }
        expectGradientsClose(dx, fdX, absolute: 1e-3, relative: 1e-3, "dx")
    }

    /// Parameter gradients accumulate (beta = 1) across backward calls; dx = nil (first layer)
    /// still produces them.
    @Test func parameterGradientsAccumulate() {
        let (arena, dense) = Self.makeLayer()
        _ = forwardBackward(dense, Self.x, dy: Self.r, rows: Self.rows)
        let once = arena.grads.array
        #expect(once.contains { $0 != 0 })
        let y = forward(dense, Self.x, rows: Self.rows)
        var reported: [Range<Int>] = []
        Self.x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                Self.r.withUnsafeBufferPointer { pr in
                    dense.backward(x: px.baseAddress!, y: py.baseAddress!, dy: pr.baseAddress!, dx: nil, rows: Self.rows,
                                   gradientsReady: { reported.append($0) })
                }
            }
        }
        #expect(reported == [dense.parameterRange])   // gradients reported complete once, for W and b
        // Tolerance 1e-6 relative: the bias column sums are re-added row by row onto the old sum.
        #expect(relativeDifference(arena.grads.array, once.map { 2 * $0 }) <= 1e-6)
        arena.zeroGrads()
        #expect(arena.grads.array.allSatisfy { $0 == 0 })
    }

    /// Rows are independent: running rows one at a time gives the same outputs as the batch.
    @Test func rowsAreIndependent() {
        let (_, dense) = Self.makeLayer()
        let batch = forward(dense, Self.x, rows: Self.rows)
        for r in 0..<Self.rows {
            let single = forward(dense, Array(Self.x[(r * Self.inF)..<((r + 1) * Self.inF)]), rows: 1)
            #expect(relativeDifference(single, Array(batch[(r * Self.outF)..<((r + 1) * Self.outF)])) <= 1e-6)
        }
    }

    /// `overwritesWeightGradient`: dW = dy^T x written over whatever W's gradient held (a stale
    /// value, NaN here) gives the bits of dW += dy^T x from zero, with signs of zero as well (the
    /// product's sum is never -0); the bias gradient still accumulates.
    @Test func overwrittenWeightGradientEqualsAccumulatedFromZero() {
        let (a1, d1) = Self.makeLayer(), (a2, d2) = Self.makeLayer()
        let dy = Self.r.enumerated().map { $0.offset % 5 == 0 ? 0 : $0.element }  // zero terms, so some sums are 0
        a1.zeroGrads()
        a2.grads.fill(.nan)
        a2.zeroGrads(except: [d2.weightRange])
        d2.overwritesWeightGradient = true
        _ = forwardBackward(d1, Self.x, dy: dy, rows: Self.rows)
        _ = forwardBackward(d2, Self.x, dy: dy, rows: Self.rows)
        #expect(a1.grads.array.map(\.bitPattern) == a2.grads.array.map(\.bitPattern))
        #expect(d2.weightRange == 0..<(Self.outF * Self.inF))
    }
}
