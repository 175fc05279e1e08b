import Foundation
import TandemData

/// Parses `text` as a CSV file called `t.csv`.
func parseCSV(_ text: String) throws -> CSVTable {
    try CSVReader.parse(Data(text.utf8), file: "t.csv")
}

/// Parses and types `text` as a CSV file called `t.csv`.
func makeTable(_ text: String, kinds: [String: ColumnKind] = [:]) throws -> Table {
    try Table(csv: parseCSV(text), file: "t.csv", kinds: kinds)
}

/// The `DataError` thrown by `body`, or nil if it succeeds or throws something else.
func dataError(_ body: () throws -> Void) -> DataError? {
    do {
        try body()
        return nil
    } catch let error as DataError {
        return error
    } catch {
        return nil
    }
}

/// The bytes of a `.npy` file with the given header fields and raw data.
func npyBytes(descr: String, shape: [Int], fortran: Bool = false, payload: [UInt8], version: UInt8 = 1) -> Data {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
    let prefix = version == 1 ? 10 : 12
    while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    let n = header.utf8.count
    if version == 1 {
        out += [UInt8(n & 0xFF), UInt8(n >> 8)]
    } else {
        out += (0..<4).map { UInt8((n >> (8 * $0)) & 0xFF) }
    }
    out += Array(header.utf8)
    out += payload
    return Data(out)
}

/// Little-endian bytes of `values` as float32.
func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

/// Little-endian bytes of `values` as float64.
func float64Bytes(_ values: [Double]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
