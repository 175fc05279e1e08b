import Foundation
import Testing
@testable import TandemReport

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Data("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum(Data(repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum(Data(repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(Data((0..<32).map { UInt8($0) })) == 0x46DD_794E)
        #expect(CRC32C.checksum(Data((0..<32).map { UInt8(31 - $0) })) == 0x113F_DB5C)
        #expect(CRC32C.checksum(Data()) == 0)
    }

    @Test func arrayAndDataAgree() {
        let bytes: [UInt8] = Array("The quick brown fox".utf8)
        #expect(CRC32C.checksum(bytes) == CRC32C.checksum(Data(bytes)))
    }

    @Test func maskIsRotationPlusConstant() {
        #expect(CRC32C.masked(0) == 0xA282_EAD8)
        let crc: UInt32 = 0xE306_9283
        #expect(CRC32C.masked(crc) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
        #expect(CRC32C.masked(crc) != crc)
    }
}
