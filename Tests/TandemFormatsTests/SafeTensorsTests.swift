import Foundation
import TandemFormats
import TandemTensor
import Testing

/// A raw safetensors blob: 8-byte little-endian `headerLength` (defaults to the header's size),
/// the header text, then `data`.
func safetensorsBlob(header: String, data: [UInt8], headerLength: UInt64? = nil) -> Data {
    let h = Array(header.utf8)
    var out = Data()
    var n = (headerLength ?? UInt64(h.count)).littleEndian
    withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
    out.append(contentsOf: h)
    out.append(contentsOf: data)
    return out
}

/// The little-endian float32 bytes of `values`.
func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

@Suite struct SafeTensorsTests {
    static let tensors = [
        NamedTensor(name: "layers.0.weight", shape: [3, 2], values: [1, -2, 3.5, 0, .pi, -1e-20]),
        NamedTensor(name: "layers.0.bias", shape: [3], values: [0.25, 0.5, 0.75]),
        NamedTensor(name: "scalar", shape: [], values: [42]),
        NamedTensor(name: "odd \"name\"\n\\", shape: [1, 1, 1], values: [-7]),
    ]
    static let metadata = ["format": "tandem", "note": "quotes \" and \\ and\nnewline", "ü": "ünïcode"]

    @Test func roundTripWithMetadata() throws {
        let data = SafeTensors.encode(Self.tensors, metadata: Self.metadata)
        let (tensors, metadata) = try SafeTensors.decode(data)
        #expect(tensors == Self.tensors)   // returned in data-offset order == encode order
        #expect(metadata == Self.metadata)
    }

    @Test func roundTripWithoutMetadataOrTensors() throws {
        let (t, m) = try SafeTensors.decode(SafeTensors.encode([]))
        #expect(t.isEmpty && m.isEmpty)
        let (t2, m2) = try SafeTensors.decode(SafeTensors.encode(Array(Self.tensors.prefix(2))))
        #expect(t2 == Array(Self.tensors.prefix(2)))
        #expect(m2.isEmpty)
    }

    /// Layout per the spec: u64 LE header length N, N bytes of JSON padded with spaces so the data
    /// starts 8-aligned, then the raw little-endian float32 data in tensor order.
    @Test func layoutFollowsTheSpec() throws {
        let data = SafeTensors.encode(Self.tensors, metadata: Self.metadata)
        let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + n) % 8 == 0)
        let header = try #require(String(data: data.subdata(in: 8..<(8 + n)), encoding: .utf8))
        #expect(header.hasPrefix("{"))
        #expect(header.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])
        let bias = try #require(json["layers.0.bias"] as? [String: Any])
        #expect(bias["dtype"] as? String == "F32")
        #expect((bias["shape"] as? [Int]) == [3])
        #expect((bias["data_offsets"] as? [Int]) == [24, 36])
        let payload = Array(data.suffix(from: 8 + n))
        #expect(payload == float32Bytes(Self.tensors.flatMap(\.values)))
    }

    /// Header lengths that need 0..7 bytes of padding all stay 8-aligned and decode.
    @Test(arguments: 0..<8)
    func paddingForEveryNameLength(extra: Int) throws {
        let t = [NamedTensor(name: "t" + String(repeating: "x", count: extra), shape: [2], values: [1, 2])]
        let data = SafeTensors.encode(t)
        #expect((data.count - 8) % 8 == 0)   // header + 8 data bytes
        #expect(try SafeTensors.decode(data).tensors == t)
    }

    /// Decoding a `Data` slice whose indices do not start at 0.
    @Test func decodesASlice() throws {
        let blob = SafeTensors.encode(Self.tensors)
        let padded = Data([9, 9, 9]) + blob
        #expect(try SafeTensors.decode(padded[3...]).tensors == Self.tensors)
    }

    /// Python's safetensors writes a zero-element tensor with offsets [x, x], so it can share its
    /// begin offset with the next tensor (e.g. a: [0, 0], b: [0, 8]). Decoding must order by
    /// (begin, end), as the reference implementation does.
    ///
    /// Regression test: sorting by begin only, with the header read into a Dictionary in random
    /// order, rejected such files ("data_offsets leave a gap or overlap"); twelve pairs make a
    /// pass by luck ~1/4096.
    @Test func zeroSizedTensorsSharingAnOffsetDecode() throws {
        var entries: [String] = []
        var data: [UInt8] = []
        for i in 0..<12 {
            let begin = data.count
            entries.append("\"empty\(i)\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[\(begin),\(begin)]}")
            entries.append("\"full\(i)\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\(begin),\(begin + 4)]}")
            data += float32Bytes([Float(i)])
        }
        let blob = safetensorsBlob(header: "{" + entries.joined(separator: ",") + "}", data: data)
        let decoded = try SafeTensors.decode(blob).tensors
        #expect(decoded.count == 24)
        #expect(decoded.filter { $0.values.isEmpty }.count == 12)
        // Encoding one gives the [0, 0] offsets Python's writer gives.
        let t = [NamedTensor(name: "e", shape: [0], values: []), NamedTensor(name: "f", shape: [2], values: [1, 2])]
        #expect(String(decoding: SafeTensors.encode(t).dropFirst(8), as: UTF8.self).contains("\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}"))
    }

    // MARK: - Rejections, each with a message naming the problem.

    static let okHeader = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    static let okData = float32Bytes([1, 2])

    static func rejection(_ blob: Data) -> String? {
        do {
            _ = try SafeTensors.decode(blob)
            return nil
        } catch let e as SafeTensorsError {
            return e.description
        } catch {
            return "unexpected error type \(error)"
        }
    }

    @Test func baselineBlobDecodes() throws {
        let t = try SafeTensors.decode(safetensorsBlob(header: Self.okHeader, data: Self.okData)).tensors
        #expect(t == [NamedTensor(name: "a", shape: [2], values: [1, 2])])
    }

    @Test(arguments: [0, 1, 7])
    func rejectsFileShorterThanEightBytes(length: Int) {
        let msg = Self.rejection(Data(repeating: 0, count: length))
        #expect(msg?.contains("shorter than the 8-byte header length") == true, "\(msg ?? "accepted")")
        #expect(msg?.contains("\(length) bytes") == true)
    }

    @Test func rejectsHeaderLengthPastEnd() {
        let blob = safetensorsBlob(header: Self.okHeader, data: Self.okData, headerLength: 1000)
        let msg = Self.rejection(blob)
        #expect(msg?.contains("header length 1000 runs past the end") == true, "\(msg ?? "accepted")")
    }

    @Test(arguments: [UInt64(SafeTensors.maxHeaderBytes) + 1, .max])
    func rejectsHeaderLengthOverTheCap(length: UInt64) {
        let msg = Self.rejection(safetensorsBlob(header: Self.okHeader, data: Self.okData, headerLength: length))
        #expect(msg?.contains("exceeds the limit") == true, "\(msg ?? "accepted")")
    }

    @Test(arguments: ["not json at all", "[1, 2, 3]", "{\"a\": ", "\"string\""])
    func rejectsNonJSONHeader(header: String) {
        let msg = Self.rejection(safetensorsBlob(header: header, data: []))
        #expect(msg?.contains("header is not a JSON object") == true, "\(msg ?? "accepted")")
    }

    @Test(arguments: ["F16", "BF16", "F64", "I32"])
    func rejectsUnsupportedDtype(dtype: String) {
        let header = #"{"a":{"dtype":"\#(dtype)","shape":[2],"data_offsets":[0,8]}}"#
        let msg = Self.rejection(safetensorsBlob(header: header, data: Self.okData))
        #expect(msg?.contains("tensor 'a': dtype \(dtype) is not supported") == true, "\(msg ?? "accepted")")
    }

    @Test(arguments: [[0, 12], [4, 2], [-4, 4]])
    func rejectsOffsetsOutOfBounds(offsets: [Int]) {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[\#(offsets[0]),\#(offsets[1])]}}"#
        let msg = Self.rejection(safetensorsBlob(header: header, data: Self.okData))
        #expect(msg?.contains("tensor 'a': data_offsets") == true, "\(msg ?? "accepted")")
        #expect(msg?.contains("outside the 8-byte data buffer") == true, "\(msg ?? "accepted")")
    }

    @Test func rejectsShapeOffsetSizeMismatch() {
        let header = #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        let msg = Self.rejection(safetensorsBlob(header: header, data: Self.okData))
        #expect(msg?.contains("tensor 'a': shape [3] needs 12 bytes but data_offsets cover 8") == true, "\(msg ?? "accepted")")
    }

    @Test func rejectsGapBetweenTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let msg = Self.rejection(safetensorsBlob(header: header, data: float32Bytes([1, 2, 3])))
        #expect(msg?.contains("tensor 'b': data_offsets leave a gap or overlap at byte 4") == true, "\(msg ?? "accepted")")
    }

    @Test func rejectsOverlappingTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let msg = Self.rejection(safetensorsBlob(header: header, data: float32Bytes([1, 2, 3])))
        #expect(msg?.contains("gap or overlap") == true, "\(msg ?? "accepted")")
    }

    @Test func rejectsTrailingBytesNotCovered() {
        let msg = Self.rejection(safetensorsBlob(header: Self.okHeader, data: Self.okData + [0, 0, 0, 0]))
        #expect(msg?.contains("data buffer is 12 bytes but tensors cover 8") == true, "\(msg ?? "accepted")")
    }

    @Test func rejectsDataBeforeTheFirstTensor() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        let msg = Self.rejection(safetensorsBlob(header: header, data: Self.okData))
        #expect(msg?.contains("gap or overlap at byte 0") == true, "\(msg ?? "accepted")")
    }

    @Test(arguments: [
        (#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, "tensor 'a': missing dtype"),
        (#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, "shape entry -2 is not an integer in 0...9007199254740992"),
        (#"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#, "shape must be a list of non-negative integers"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, "data_offsets must be two integers"),
        (#"{"a":[1,2]}"#, "tensor 'a': entry is not an object"),
        (#"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, "__metadata__ must map strings to strings"),
        (#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, "more than 9007199254740992 elements"),
        // Values that wrapped or truncated into plausible integers before (issue 18, findings 3 and 12).
        (#"{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]}}"#, "shape entry 4611686018427387904 is not an integer"),
        (#"{"a":{"dtype":"F32","shape":[1073741824,1073741824,1073741824],"data_offsets":[0,8]}}"#, "more than 9007199254740992 elements"),
        (#"{"a":{"dtype":"F32","shape":[18446744073709551618],"data_offsets":[0,8]}}"#, "shape entry 18446744073709551618 is not an integer"),
        (#"{"a":{"dtype":"F32","shape":[2.9],"data_offsets":[0,8]}}"#, "shape entry 2.9 is not an integer"),
        (#"{"a":{"dtype":"F32","shape":[true,2],"data_offsets":[0,8]}}"#, "is not an integer"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,1e30]}}"#, "data_offsets [0, 1e+30] outside"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}}"#, "data_offsets [0, 8.5] outside"),
    ])
    func rejectsMalformedEntries(header: String, expected: String) {
        let msg = Self.rejection(safetensorsBlob(header: header, data: Self.okData))
        #expect(msg?.contains(expected) == true, "\(msg ?? "accepted")")
    }
}
