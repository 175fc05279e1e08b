import Foundation

/// TFRecord framing, the container of TensorBoard event files.
///
/// Each record is: length (uint64 little-endian), masked CRC-32C of those 8 length bytes (uint32
/// LE), the data, masked CRC-32C of the data (uint32 LE). So a record costs 16 bytes of framing.
public enum TFRecord {
    /// Bytes of framing around each record's data (8 + 4 before, 4 after).
    public static let overhead = 16

    /// Appends `payload` to `out` as one framed record.
    public static func append(_ payload: Data, to out: inout Data) {
        var header = [UInt8]()
        header.reserveCapacity(12)
        appendLE(UInt64(payload.count), to: &header)
        let lengthCRC = CRC32C.masked(CRC32C.checksum(header))
        appendLE(lengthCRC, to: &header)
        out.append(contentsOf: header)
        out.append(payload)
        var trailer = [UInt8]()
        appendLE(CRC32C.masked(CRC32C.checksum(payload)), to: &trailer)
        out.append(contentsOf: trailer)
    }

    /// `payload` as one framed record.
    public static func frame(_ payload: Data) -> Data {
        var out = Data()
        append(payload, to: &out)
        return out
    }

    /// The data of every record in `data`, in order, after checking both CRCs of each.
    ///
    /// Throws `ReportError` naming `source`, the record index (0-based) and its byte offset when a
    /// record is truncated or a CRC does not match.
    public static func records(in data: Data, source: String) throws -> [Data] {
        let bytes = [UInt8](data)
        var out: [Data] = []
        var offset = 0
        while offset < bytes.count {
            let index = out.count
            guard bytes.count - offset >= 12 else {
                throw ReportError(.damagedRecord(source: source, record: index, byte: offset, .truncatedHeader(present: bytes.count - offset)))
            }
            let length = readLE(UInt64.self, bytes, at: offset)
            let storedLengthCRC = readLE(UInt32.self, bytes, at: offset + 8)
            let lengthCRC = bytes[offset..<offset + 8].withUnsafeBytes { CRC32C.masked(CRC32C.checksum($0)) }
            guard storedLengthCRC == lengthCRC else {
                throw ReportError(.damagedRecord(source: source, record: index, byte: offset, .lengthCRCMismatch(stored: storedLengthCRC, computed: lengthCRC)))
            }
            let start = offset + 12
            let available = bytes.count - start
            guard length <= UInt64(max(available - 4, 0)), available >= 4 else {
                throw ReportError(.damagedRecord(source: source, record: index, byte: offset, .truncatedData(declared: length, present: max(available - 4, 0))))
            }
            let end = start + Int(length)
            let storedDataCRC = readLE(UInt32.self, bytes, at: end)
            let dataCRC = bytes[start..<end].withUnsafeBytes { CRC32C.masked(CRC32C.checksum($0)) }
            guard storedDataCRC == dataCRC else {
                throw ReportError(.damagedRecord(source: source, record: index, byte: offset, .dataCRCMismatch(stored: storedDataCRC, computed: dataCRC)))
            }
            out.append(Data(bytes[start..<end]))
            offset = end + 4
        }
        return out
    }

    /// Appends `value` to `bytes` little-endian.
    static func appendLE<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    /// Reads a little-endian `T` from `bytes` at `offset` (the caller checks the bounds).
    static func readLE<T: FixedWidthInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size { v |= T(bytes[offset + i]) << (8 * i) }
        return v
    }
}
