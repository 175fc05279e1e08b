import TandemTensor
import Testing

@Suite struct FloatBufferTests {
    @Test func zeroInitializedAndAligned() {
        let b = FloatBuffer(count: 37)
        #expect(b.array == [Float](repeating: 0, count: 37))
        #expect(Int(bitPattern: b.base) % 64 == 0)
        #expect(FloatBuffer(count: 0).array.isEmpty)
    }

    @Test func copyFillAndArrayInit() {
        let a = FloatBuffer([1, 2, 3])
        let b = FloatBuffer(count: 3)
        b.copy(from: a)
        #expect(b.array == [1, 2, 3])
        b.fill(-4)
        #expect(b.array == [-4, -4, -4])
        #expect(a.array == [1, 2, 3])   // distinct storage
        b.buffer[1] = 9
        #expect(b.base[1] == 9)
    }

    @Test func hugePageBufferIsZeroedAndAligned() {
        // Above HugePages.threshold (4 MiB): aligned to 2 MiB; below it, as any buffer.
        let big = FloatBuffer(count: (5 << 20) / 4 + 3, hugePages: true)
        #expect(Int(bitPattern: big.base) % (2 << 20) == 0)
        #expect(big.buffer.allSatisfy { $0 == 0 })
        big.base[big.count - 1] = 7
        #expect(big.array.last == 7)
        let small = FloatBuffer(count: 37, hugePages: true)
        #expect(Int(bitPattern: small.base) % 64 == 0 && small.array == [Float](repeating: 0, count: 37))
    }
}
