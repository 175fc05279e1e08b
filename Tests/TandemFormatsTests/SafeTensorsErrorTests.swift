import Foundation
import TandemFormats
import Testing
import TandemTensor

/// A bad safetensors file is refused with a reason that carries the tensor, offsets and sizes
/// as data, so callers need not read the message.
@Suite struct SafeTensorsErrorTests {
    static func reason(_ blob: Data) -> SafeTensorsError.Reason? {
        do {
            _ = try SafeTensors.decode(blob)
            return nil
        } catch {
            return (error as? SafeTensorsError)?.reason
        }
    }

    @Test func offsetsPastTheBufferNameTheTensorAndTheOffsets() {
        let blob = safetensorsBlob(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, data: float32Bytes([1, 2]))
        #expect(Self.reason(blob) == .offsetsOutsideBuffer(tensor: "w", begin: "0", end: "16", bufferBytes: 8))
    }

    @Test func aGapNamesTheTensorAndTheByte() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let blob = safetensorsBlob(header: header, data: float32Bytes([1, 2, 3]))
        let reason = Self.reason(blob)
        #expect(reason == .gapOrOverlap(tensor: "b", byte: 4))
        #expect((try? SafeTensors.decode(blob)) == nil)
    }

    @Test func shapeAndOffsetsThatDisagreeCarryBothSizes() throws {
        let blob = safetensorsBlob(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: float32Bytes([1, 2]))
        #expect(Self.reason(blob) == .sizeMismatch(tensor: "w", shape: [3], expectedBytes: 12, foundBytes: 8))
        do { _ = try SafeTensors.decode(blob) } catch let e as SafeTensorsError {
            #expect(e.tensor == "w")
            #expect(e.description == "tensor 'w': shape [3] needs 12 bytes but data_offsets cover 8")
        }
    }

    @Test func headerProblemsHaveNoTensor() throws {
        let short = SafeTensorsError(.shorterThanHeaderLength(fileBytes: 3))
        #expect(short.tensor == nil)
        #expect(Self.reason(Data([1, 2, 3])) == .shorterThanHeaderLength(fileBytes: 3))
        #expect(Self.reason(safetensorsBlob(header: "[1]", data: [])) == .headerNotJSONObject)
        let f16 = safetensorsBlob(header: #"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#, data: [0, 0])
        #expect(Self.reason(f16) == .unsupportedDType(tensor: "h", dtype: "F16"))
    }
}
