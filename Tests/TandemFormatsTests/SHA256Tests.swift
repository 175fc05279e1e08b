import Foundation
@testable import TandemFormats
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4 / NIST example vectors.
    static let vectors: [(message: String, digest: String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test(arguments: vectors)
    func fipsVectors(message: String, digest: String) {
        #expect(SHA256.hex(Data(message.utf8)) == digest)
    }

    @Test func oneMillionA() {
        let data = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hex(data) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the 55/56/64-byte padding boundaries (digests computed once with Python's
    /// hashlib of `bytes(i % 251 for i in range(n))`).
    @Test(arguments: [
        (1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        (55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
        (56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
        (57, "2fe741af801cc238602ac0ec6a7b0c3a8a87c7fc7d7f02a3fe03d1c12eac4d8f"),
        (63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
        (64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
        (65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
        (119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"),
        (120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"),
        (128, "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5"),
    ])
    func paddingBoundaries(length: Int, digest: String) {
        #expect(SHA256.hex(Data((0..<length).map { UInt8($0 % 251) })) == digest)
    }

    /// Incremental updates in odd-sized chunks (crossing block boundaries every way) give the same
    /// digest as one update.
    @Test(arguments: [[1], [3, 61, 1], [63, 2], [64], [65, 127, 5], [7, 13, 200, 1, 64, 64]])
    func incrementalUpdatesMatchOneShot(chunks: [Int]) {
        let message = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        var h = SHA256()
        var offset = 0, i = 0
        while offset < message.count {
            let n = min(chunks[i % chunks.count], message.count - offset)
            h.update(message.subdata(in: offset..<(offset + n)))
            offset += n
            i += 1
        }
        h.update(Data())   // an empty update changes nothing
        let hex = h.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(hex == SHA256.hex(message))
    }

    /// `hex(floats)` hashes the little-endian float32 bytes.
    @Test func floatDigestHashesLittleEndianBytes() {
        let values: [Float] = [1, -2.5, 0, .pi]
        var bytes = Data()
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        let fromFloats = values.withUnsafeBufferPointer { SHA256.hex($0) }
        #expect(fromFloats == SHA256.hex(bytes))
        // 1.0f is 00 00 80 3f.
        #expect([Float(1)].withUnsafeBufferPointer { SHA256.hex($0) } == SHA256.hex(Data([0, 0, 0x80, 0x3F])))
    }

    @Test func digestIs32Bytes() {
        var h = SHA256()
        h.update(Data("abc".utf8))
        let d = h.finalize()
        #expect(d.count == 32)
        #expect(d.prefix(4) == [0xBA, 0x78, 0x16, 0xBF])
    }

    /// The SHA-instruction path (used when the CPU has it) and the portable compression give the
    /// same digest for random messages of every length around the block sizes, fed in random chunks.
    @Test func hardwareMatchesPortable() {
        var rng = SystemRandomNumberGenerator()
        for length in Array(0...200) + [1000, 4096, 65_537, 1_000_003] {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var fast = SHA256()
            var slow = SHA256(portableOnly: true)
            var offset = 0
            while offset < length {
                let n = min(Int.random(in: 1...300, using: &rng), length - offset)
                message[offset..<(offset + n)].withUnsafeBytes { fast.update($0); slow.update($0) }
                offset += n
            }
            #expect(fast.finalize() == slow.finalize(), "length \(length)")
        }
    }
}
