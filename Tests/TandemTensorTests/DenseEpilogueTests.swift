import CKernels
import TandemTensor
import Testing

/// The dense layer's bias / ReLU kernels (`DenseEpilogue`, each instruction set this CPU has)
/// against the Swift loops they replace, bit for bit: odd widths around the 8- and 16-lane
/// blocks, NaN, signed zeros, and dx in place of dy.
@Suite(.serialized) struct DenseEpilogueTests {
    static let shapes: [(rows: Int, cols: Int)] = [(1, 5), (1, 1), (3, 7), (2, 8), (5, 15), (4, 16), (3, 17), (32, 64), (32, 10), (2, 40)]

    static func levels() -> [Int32] {
        let best = tandem_kernel_level_cap(2)
        return Array((0...best).reversed())
    }

    /// Values with NaN, +-0 and both signs.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var v = randomFloats(count, seed: seed, scale: 2)
        for i in stride(from: 0, to: count, by: 7) { v[i] = 0 }
        for i in stride(from: 3, to: count, by: 11) { v[i] = -0.0 }
        for i in stride(from: 5, to: count, by: 13) { v[i] = .nan }
        return v
    }

    static func bits(_ v: [Float]) -> [UInt32] { v.map(\.bitPattern) }

    @Test func biasAndReLUMatchTheSwiftLoops() {
        defer { _ = tandem_kernel_level_cap(2) }
        for (rows, cols) in Self.shapes {
            // The bias cancels some entries to -0 and +0 exactly.
            let y0 = Self.values(rows * cols, seed: UInt64(rows * 100 + cols))
            var bias = Self.values(cols, seed: 7)
            if cols > 1 { bias[1] = -0.0 }
            var refY = y0
            var refRelu = [Float](repeating: 0, count: rows * cols)
            refY.withUnsafeMutableBufferPointer { py in
                withPointer(bias) { pb in
                    guard let y = py.baseAddress else { return }
                    Elementwise.addBias(y, pb, rows: rows, cols: cols)
                    refRelu.withUnsafeMutableBufferPointer { Activation.relu.forward(UnsafePointer(y), $0.baseAddress!, count: rows * cols) }
                }
            }
            for level in Self.levels() {
                #expect(tandem_kernel_level_cap(level) == level)
                var y = y0, relu = [Float](repeating: 9, count: rows * cols), yOnly = y0
                y.withUnsafeMutableBufferPointer { py in
                    relu.withUnsafeMutableBufferPointer { pr in
                        withPointer(bias) { DenseEpilogue.addBias(py.baseAddress!, $0, relu: pr.baseAddress!, rows: rows, cols: cols) }
                    }
                }
                yOnly.withUnsafeMutableBufferPointer { py in
                    withPointer(bias) { DenseEpilogue.addBias(py.baseAddress!, $0, rows: rows, cols: cols) }
                }
                #expect(Self.bits(y) == Self.bits(refY), "level \(level), \(rows)x\(cols)")
                #expect(Self.bits(yOnly) == Self.bits(refY), "level \(level), \(rows)x\(cols)")
                #expect(Self.bits(relu) == Self.bits(refRelu), "level \(level), \(rows)x\(cols)")
            }
        }
    }

    @Test func biasGradientMatchesTheSwiftLoops() {
        defer { _ = tandem_kernel_level_cap(2) }
        for (rows, cols) in Self.shapes {
            let x = Self.values(rows * cols, seed: UInt64(rows * 31 + cols))
            let dy = randomFloats(rows * cols, seed: UInt64(rows * 17 + cols), scale: 3)
            let db0 = randomFloats(cols, seed: 5)
            // Swift: ReLU backward, then the column sums (accumulated into db0).
            var refDx = [Float](repeating: 0, count: rows * cols)
            var refDb = db0, refPlainDb = db0
            withPointer(x) { px in
                withPointer(dy) { pdy in
                    refDx.withUnsafeMutableBufferPointer { Activation.relu.backward(x: px, y: px, dy: pdy, dx: $0.baseAddress!, count: rows * cols) }
                    refPlainDb.withUnsafeMutableBufferPointer { Elementwise.addColumnSums(pdy, into: $0.baseAddress!, rows: rows, cols: cols) }
                }
            }
            withPointer(refDx) { pdx in refDb.withUnsafeMutableBufferPointer { Elementwise.addColumnSums(pdx, into: $0.baseAddress!, rows: rows, cols: cols) } }
            for level in Self.levels() {
                #expect(tandem_kernel_level_cap(level) == level)
                var dx = [Float](repeating: 9, count: rows * cols), db = db0
                var inPlace = dy, dbInPlace = db0, plainDb = db0
                withPointer(x) { px in
                    withPointer(dy) { pdy in
                        dx.withUnsafeMutableBufferPointer { pdx in
                            db.withUnsafeMutableBufferPointer {
                                DenseEpilogue.biasGradient(reluInput: px, dy: pdy, dx: pdx.baseAddress, db: $0.baseAddress!, rows: rows, cols: cols)
                            }
                        }
                        plainDb.withUnsafeMutableBufferPointer {
                            DenseEpilogue.biasGradient(reluInput: nil, dy: pdy, dx: nil, db: $0.baseAddress!, rows: rows, cols: cols)
                        }
                    }
                    inPlace.withUnsafeMutableBufferPointer { pd in
                        dbInPlace.withUnsafeMutableBufferPointer {
                            DenseEpilogue.biasGradient(reluInput: px, dy: pd.baseAddress!, dx: pd.baseAddress, db: $0.baseAddress!, rows: rows, cols: cols)
                        }
                    }
                }
                #expect(Self.bits(dx) == Self.bits(refDx), "level \(level), \(rows)x\(cols)")
                #expect(Self.bits(inPlace) == Self.bits(refDx), "level \(level), \(rows)x\(cols)")
                #expect(Self.bits(db) == Self.bits(refDb), "level \(level), \(rows)x\(cols)")
                #expect(Self.bits(dbInPlace) == Self.bits(refDb), "level \(level), \(rows)x\(cols)")
                #expect(Self.bits(plainDb) == Self.bits(refPlainDb), "level \(level), \(rows)x\(cols)")
            }
        }
    }
}
