import Foundation

/// A named float32 tensor: `shape` in row-major order, `values.count == shape.product`.
public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
/// header length, a JSON header (padded with spaces to a multiple of 8 bytes) mapping each tensor
/// name to `{dtype, shape, data_offsets}`, then the data buffer, which the offsets cover exactly.
/// Only `F32` is written or read.
public enum SafeTensors {
    /// Largest header accepted when reading (100 MB, as in the reference implementation).
    public static let maxHeaderBytes = 100_000_000

    /// Serializes `tensors` (in the given order) with optional string `metadata`.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:]) -> Data {
        let (header, dataBytes) = header(tensors.map { ($0.name, $0.shape, $0.values.count) }, metadata: metadata)
        var out = Data(capacity: header.count + dataBytes)
        out.append(contentsOf: header)
        for t in tensors {
            t.values.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress)?.assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        }
        return out
    }

    /// The bytes before the data buffer of a file holding `tensors` (name, shape, float count;
    /// in this order): the 8-byte little-endian header length and the JSON header padded with
    /// spaces to a multiple of 8 bytes; and the data buffer's size in bytes. Shared by `encode`
    /// and `SafeTensorsImage`, so both write the same bytes.
    static func header(_ tensors: [(name: String, shape: [Int], count: Int)], metadata: [String: String]) -> (bytes: [UInt8], dataBytes: Int) {
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(JSONText.quoted($0)):\(JSONText.quoted(metadata[$0] ?? ""))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for t in tensors {
            let bytes = t.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(JSONText.quoted(t.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var json = Array("{\(entries.joined(separator: ","))}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        return (out, offset)
    }

    /// Parses and validates a safetensors blob; tensors are returned in data-offset order.
    /// Throws `SafeTensorsError` naming the problem (header size, JSON, dtype, shape, offsets).
    public static func decode(_ data: Data) throws -> (tensors: [NamedTensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw SafeTensorsError(.shorterThanHeaderLength(fileBytes: data.count)) }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(maxHeaderBytes) else { throw SafeTensorsError(.headerTooLong(length: n, limit: maxHeaderBytes)) }
        guard 8 + Int(n) <= data.count else { throw SafeTensorsError(.headerPastEnd(length: n, fileBytes: data.count)) }
        let headerData = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + Int(n)))
        guard let json = try? JSONSerialization.jsonObject(with: headerData), let header = json as? [String: Any] else {
            throw SafeTensorsError(.headerNotJSONObject)
        }
        let bufferStart = 8 + Int(n)
        let bufferSize = data.count - bufferStart
        var metadata: [String: String] = [:]
        var items: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw SafeTensorsError(.badMetadata) }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any] else { throw SafeTensorsError(.entryNotObject(tensor: name)) }
            guard let dtype = entry["dtype"] as? String else { throw SafeTensorsError(.missingDType(tensor: name)) }
            guard dtype == "F32" else { throw SafeTensorsError(.unsupportedDType(tensor: name, dtype: dtype)) }
            guard let rawShape = entry["shape"] as? [Any] else {
                throw SafeTensorsError(.shapeNotList(tensor: name))
            }
            var shape: [Int] = []
            for d in rawShape {
                guard let v = exactCount(d) else {
                    throw SafeTensorsError(.badShapeEntry(tensor: name, entry: describe(d)))
                }
                shape.append(v)
            }
            guard let rawOffsets = entry["data_offsets"] as? [Any], rawOffsets.count == 2 else {
                throw SafeTensorsError(.offsetsNotPair(tensor: name))
            }
            guard let begin = exactCount(rawOffsets[0]), let end = exactCount(rawOffsets[1]), begin <= end, end <= bufferSize else {
                throw SafeTensorsError(.offsetsOutsideBuffer(tensor: name, begin: describe(rawOffsets[0]), end: describe(rawOffsets[1]), bufferBytes: bufferSize))
            }
            // The element count is checked against the bytes present, so nothing is sized from the
            // header alone: [2^62] or [2^40, 2^40] is refused here, before any allocation.
            var elements = 1
            for d in shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, p <= maxCount else {
                    throw SafeTensorsError(.tooManyElements(tensor: name, shape: shape))
                }
                elements = p
            }
            guard end - begin == elements * 4 else {
                throw SafeTensorsError(.sizeMismatch(tensor: name, shape: shape, expectedBytes: elements * 4, foundBytes: end - begin))
            }
            items.append((name, shape, begin, end))
        }
        items.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }   // empty tensors share offsets
        var cursor = 0
        for item in items {
            guard item.begin == cursor else { throw SafeTensorsError(.gapOrOverlap(tensor: item.name, byte: cursor)) }
            cursor = item.end
        }
        guard cursor == bufferSize else { throw SafeTensorsError(.bufferNotCovered(bufferBytes: bufferSize, coveredBytes: cursor)) }
        var tensors: [NamedTensor] = []
        data.withUnsafeBytes { raw in
            for item in items {
                let count = (item.end - item.begin) / 4
                var values = [Float](repeating: 0, count: count)
                values.withUnsafeMutableBytes { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(bufferStart + item.begin)..<(bufferStart + item.end)]))
                }
                tensors.append(NamedTensor(name: item.name, shape: item.shape, values: values))
            }
        }
        return (tensors, metadata)
    }

    /// Largest shape entry, offset or element count accepted (2^53: exact in a JSON double, and
    /// `count * 4` cannot overflow).
    public static let maxCount = 1 << 53

    /// `value` as an Int when it is a JSON integer in 0...maxCount: not a fraction (`128.9`), not a
    /// boolean, not a number that only wraps into range (`2^64 + 5`).
    static func exactCount(_ value: Any) -> Int? {
        // JSON booleans arrive as NSNumbers of type "c" (`is Bool` also matches the integers 0 and 1).
        guard let n = value as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
        // Every integer up to 2^53 is exact as a double, so the double decides; int64Value would
        // truncate 128.9 and wrap 2^64 + 5 (an NSDecimalNumber) to 5.
        let d = n.doubleValue
        guard d.isFinite, d >= 0, d <= Double(maxCount), d.rounded() == d else { return nil }
        return Int(d)
    }

    /// A header value as the file wrote it (for messages): `1e+30`, not a wrapped Int.
    static func describe(_ value: Any) -> String {
        if let n = value as? NSNumber { return n.stringValue }
        return "\(value)"
    }
}
