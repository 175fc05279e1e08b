import CKernels
import Testing

/// `tandem_copy_rows` (a batch's rows from an in-memory table, each instruction set this CPU has)
/// against a plain copy of each row: widths around the 16-lane blocks, repeated positions.
@Suite(.serialized) struct CopyRowsTests {
    @Test func copiesEveryRowAtEveryLevel() {
        let best = tandem_kernel_level_cap(2)
        defer { _ = tandem_kernel_level_cap(2) }
        for width in [1, 5, 15, 16, 17, 31, 64, 70] {
            let rows = 50
            let table = randomFloats(rows * width, seed: UInt64(width), scale: 3)
            let positions = [7, 0, 49, 7, 23, 1, 48, 30, 30, 12]
            var expected = [Float](repeating: 0, count: positions.count * width)
            for (i, p) in positions.enumerated() {
                for j in 0..<width { expected[i * width + j] = table[p * width + j] }
            }
            for level in 0...best {
                _ = tandem_kernel_level_cap(level)
                // Sentinels one row past the batch: nothing beyond it is written.
                var out = [Float](repeating: .infinity, count: (positions.count + 1) * width)
                table.withUnsafeBufferPointer { t in
                    positions.withUnsafeBufferPointer { p in
                        out.withUnsafeMutableBufferPointer { tandem_copy_rows(t.baseAddress, p.baseAddress, p.count, width, $0.baseAddress) }
                    }
                }
                #expect(Array(out[0..<expected.count]).map(\.bitPattern) == expected.map(\.bitPattern), "level \(level), width \(width)")
                #expect(out[expected.count...].allSatisfy { $0 == .infinity }, "level \(level), width \(width): wrote past the batch")
            }
        }
    }
}
