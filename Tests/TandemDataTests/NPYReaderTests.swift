import Foundation
import Testing
import TandemData

@Suite struct NPYReaderTests {
    @Test func version1Float32Matrix() throws {
        let data = npyBytes(descr: "<f4", shape: [2, 3], payload: float32Bytes([1, 2, 3, 4, 5, 6.5]))
        let a = try NPYReader.read(data, file: "x.npy")
        #expect(a.shape == [2, 3])
        #expect(a.values == [1, 2, 3, 4, 5, 6.5])
    }

    @Test func version1Float64Vector() throws {
        let data = npyBytes(descr: "<f8", shape: [4], payload: float64Bytes([0.1, -2, 1e300, 0]))
        let a = try NPYReader.read(data, file: "y.npy")
        #expect(a.shape == [4])
        #expect(a.values == [0.1, -2, 1e300, 0])
    }

    @Test func versions2And3() throws {
        for version: UInt8 in [2, 3] {
            let data = npyBytes(descr: "<f8", shape: [1, 2], payload: float64Bytes([7, 8]), version: version)
            #expect(try NPYReader.read(data, file: "v.npy").values == [7, 8])
        }
    }

    @Test func integerDtypes() throws {
        let i4 = [Int32(-3), 5].flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        #expect(try NPYReader.read(npyBytes(descr: "<i4", shape: [2], payload: i4), file: "i.npy").values == [-3, 5])
        let i8 = [Int64(1) << 40, -1].flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        #expect(try NPYReader.read(npyBytes(descr: "<i8", shape: [2], payload: i8), file: "i.npy").values == [0x1p40, -1])
    }

    @Test func fortranOrderIsTransposed() throws {
        // [[1, 2, 3], [4, 5, 6]] stored column by column
        let data = npyBytes(descr: "<f8", shape: [2, 3], fortran: true, payload: float64Bytes([1, 4, 2, 5, 3, 6]))
        let a = try NPYReader.read(data, file: "f.npy")
        #expect(a.shape == [2, 3])
        #expect(a.values == [1, 2, 3, 4, 5, 6])
    }

    @Test func unsupportedDtypeNamesIt() throws {
        let data = npyBytes(descr: ">f4", shape: [1], payload: [0, 0, 0, 0])
        let e = try #require(dataError { _ = try NPYReader.read(data, file: "b.npy") })
        #expect(e.file == "b.npy")
        #expect(e.message.hasPrefix("dtype '>f4' is not supported (use little-endian float32 or float64"))
    }

    @Test func truncatedAndOversizedData() throws {
        let short = npyBytes(descr: "<f4", shape: [2, 2], payload: float32Bytes([1, 2, 3]))
        let e = try #require(dataError { _ = try NPYReader.read(short, file: "t.npy") })
        #expect(e.message.contains("truncated") && e.message.contains("needs 16 bytes, found 12"))
        let long = npyBytes(descr: "<f4", shape: [1], payload: float32Bytes([1, 2]))
        #expect(dataError { _ = try NPYReader.read(long, file: "t.npy") }?.message.contains("extra bytes") == true)
    }

    @Test func badMagicVersionHeaderAndRank() throws {
        #expect(dataError { _ = try NPYReader.read(Data("hello world".utf8), file: "m.npy") }?.message.contains("magic") == true)
        var v9 = [UInt8](npyBytes(descr: "<f4", shape: [1], payload: float32Bytes([1])))
        v9[6] = 9
        #expect(dataError { _ = try NPYReader.read(Data(v9), file: "m.npy") }?.message.contains("version 9") == true)
        var longHeader = [UInt8](npyBytes(descr: "<f4", shape: [1], payload: []))
        longHeader[8] = 0xFF
        longHeader[9] = 0xFF
        #expect(dataError { _ = try NPYReader.read(Data(longHeader), file: "m.npy") }?.message.contains("header length") == true)
        let rank3 = npyBytes(descr: "<f4", shape: [1, 1, 1], payload: float32Bytes([1]))
        #expect(dataError { _ = try NPYReader.read(rank3, file: "m.npy") }?.message.contains("1-D and 2-D") == true)
        var garbled = [UInt8](npyBytes(descr: "<f4", shape: [1], payload: float32Bytes([1])))
        garbled[10] = UInt8(ascii: "[")
        #expect(dataError { _ = try NPYReader.read(Data(garbled), file: "m.npy") }?.message.contains("malformed") == true)
    }
}
