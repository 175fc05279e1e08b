import Foundation
import TandemFormats
import TandemTensor
import Testing

/// `SafeTensorsImage` holds, byte for byte, the file `SafeTensors.encode` writes for the same
/// tensors, laid out for direct I/O; refilling it changes only the data.
@Suite struct SafeTensorsImageTests {
    static let tensors = SafeTensorsTests.tensors + [NamedTensor(name: "big", shape: [3, 700], values: (0..<2100).map { Float($0) * 0.5 - 9 })]

    @Test func holdsTheBytesEncodeWrites() throws {
        for (tensors, metadata) in [(Self.tensors, SafeTensorsTests.metadata), (Array(Self.tensors.prefix(2)), [:]), ([], ["format": "x"]), ([], [:])] {
            let image = SafeTensorsImage(tensors, metadata: metadata)
            let encoded = SafeTensors.encode(tensors, metadata: metadata)
            #expect(Data(image.bytes) == encoded)
            #expect(image.byteCount == encoded.count)
            #expect(image.alignedCount % SafeTensorsImage.alignment == 0 && image.alignedCount >= image.byteCount)
            #expect(image.alignedBytes[image.byteCount...].allSatisfy { $0 == 0 }, "the padding past the file is zero")
            let decoded = try SafeTensors.decode(Data(image.bytes))
            #expect(decoded.tensors == tensors && decoded.metadata == metadata)
        }
    }

    @Test func bufferIsAlignedForDirectIO() {
        let image = SafeTensorsImage(Self.tensors)
        #expect(Int(bitPattern: image.alignedBytes.baseAddress) % SafeTensorsImage.alignment == 0)
        #expect(Int(bitPattern: image.values(0).baseAddress) % 8 == 0, "the data buffer starts 8-byte aligned")
        for i in image.tensors.indices {
            #expect(Int(bitPattern: image.values(i).baseAddress) % MemoryLayout<Float>.alignment == 0, "tensor \(i)")
        }
    }

    @Test func refillingChangesOnlyTheData() throws {
        let image = SafeTensorsImage(Self.tensors, metadata: ["step": "1"])
        let changed = Self.tensors.map { t in NamedTensor(name: t.name, shape: t.shape, values: t.values.map { -$0 + 1 }) }
        for (i, t) in changed.enumerated() {
            t.values.withUnsafeBufferPointer { v in _ = image.values(i).update(fromContentsOf: v) }
        }
        #expect(Data(image.bytes) == SafeTensors.encode(changed, metadata: ["step": "1"]))
        let shapes = Self.tensors.map { SafeTensorsImage.Tensor(name: $0.name, shape: $0.shape) }
        #expect(image.holds(shapes, metadata: ["step": "1"]))
        #expect(!image.holds(shapes, metadata: ["step": "2"]))
        #expect(!image.holds(Array(shapes.dropLast()), metadata: ["step": "1"]))
        #expect(!image.holds(shapes.map { .init(name: $0.name, shape: $0.shape + [1]) }, metadata: ["step": "1"]))
    }
}
