import Foundation

/// A numeric array read from a `.npy` file, converted to `Double`.
public struct NPYArray: Sendable, Equatable {
    /// Dimensions, outermost first: `[n]` or `[rows, cols]`.
    public var shape: [Int]
    /// `shape.reduce(1, *)` values in row-major (C) order, whatever the file's order was.
    public var values: [Double]

    /// An array over `values` (row-major) with `shape`.
    public init(shape: [Int], values: [Double]) {
        self.shape = shape
        self.values = values
    }
}

/// Reads NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, the header length (2 bytes
/// little-endian in version 1.0, 4 bytes in 2.0 and 3.0), a Python dict literal header with
/// `descr`, `fortran_order` and `shape`, then the raw data.
public enum NPYReader {
    /// Element types this reader accepts, with their sizes in bytes.
    static let dtypes: [String: Int] = ["<f4": 4, "<f8": 8, "<i4": 4, "<i8": 8]

    /// Parses `data` as a 1-D or 2-D `.npy` array of `<f4`, `<f8`, `<i4` or `<i8`.
    ///
    /// Fortran-ordered 2-D data is transposed into row-major order. Throws `DataError` naming
    /// `file` for a bad magic string or version, a header that runs past the end or cannot be
    /// parsed, an unsupported dtype or rank, and data whose length differs from what the shape needs.
    public static func read(_ data: Data, file: String) throws -> NPYArray {
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw DataError(file: file, message: "not a .npy file (it does not start with the \\x93NUMPY magic string)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else {
                throw DataError(file: file, message: "file is \(bytes.count) bytes, too short for a version \(major).0 .npy header")
            }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw DataError(file: file, message: ".npy format version \(major).\(bytes[7]) is not supported (use 1.0, 2.0 or 3.0)")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw DataError(file: file, message: "header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let headerText = String(decoding: bytes[headerStart..<dataStart], as: UTF8.self)
        let header = try NPYHeader.parse(headerText, file: file)
        guard let itemSize = dtypes[header.descr] else {
            throw DataError(file: file, message: "dtype '\(header.descr)' is not supported (use little-endian float32 or float64: '<f4' or '<f8'; '<i4' and '<i8' also work)")
        }
        guard header.shape.count == 1 || header.shape.count == 2 else {
            throw DataError(file: file, message: "array has shape \(describe(header.shape)); only 1-D and 2-D arrays are supported")
        }
        var count = 1
        for d in header.shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw DataError(file: file, message: "shape \(describe(header.shape)) is too large") }
            count = p
        }
        let available = bytes.count - dataStart
        guard available == count * itemSize else {
            let what = available < count * itemSize ? "truncated" : "has extra bytes"
            throw DataError(file: file, message: "data is \(what): shape \(describe(header.shape)) of '\(header.descr)' needs \(count * itemSize) bytes, found \(available)")
        }
        var values = decode(bytes, from: dataStart, count: count, descr: header.descr)
        if header.fortranOrder, header.shape.count == 2 {
            values = transposeFromColumnMajor(values, rows: header.shape[0], cols: header.shape[1])
        }
        return NPYArray(shape: header.shape, values: values)
    }

    /// `count` little-endian elements of type `descr` starting at byte `start`.
    private static func decode(_ bytes: [UInt8], from start: Int, count: Int, descr: String) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dst in
                switch descr {
                case "<f4":
                    for i in 0..<count {
                        let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))
                        dst[i] = Double(Float(bitPattern: bits))
                    }
                case "<f8":
                    for i in 0..<count {
                        let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self))
                        dst[i] = Double(bitPattern: bits)
                    }
                case "<i4":
                    for i in 0..<count {
                        dst[i] = Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: Int32.self)))
                    }
                default:
                    for i in 0..<count {
                        dst[i] = Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: Int64.self)))
                    }
                }
            }
        }
        return out
    }

    /// Column-major `[rows, cols]` values reordered to row-major.
    private static func transposeFromColumnMajor(_ values: [Double], rows: Int, cols: Int) -> [Double] {
        var out = values
        for r in 0..<rows { for c in 0..<cols { out[r * cols + c] = values[c * rows + r] } }
        return out
    }

    /// A shape in Python tuple notation: `(150, 4)`, `(3,)`.
    static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
