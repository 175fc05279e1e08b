import Foundation
import Testing
@testable import TandemTrain

/// A job whose data is a NumPy `.npy` matrix with the targets in a second `.npy` file.
@Suite struct NPYDataTests {
    /// Bytes of a version 1.0 `.npy` file of little-endian float64 with `shape`.
    static func npy(_ values: [Double], shape: [Int]) -> Data {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(dims), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        d.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        d.append(contentsOf: Array(header.utf8))
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    @Test func regressionFromNPYFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // y = 2 x0 - x1 + 3 on 40 rows.
        let rows = 40
        var x: [Double] = [], y: [Double] = []
        for i in 0..<rows {
            let a = Double(i % 7), b = Double((i * 3) % 11)
            x += [a, b]
            y.append(2 * a - b + 3)
        }
        try Self.npy(x, shape: [rows, 2]).write(to: dir.appendingPathComponent("x.npy"))
        try Self.npy(y, shape: [rows]).write(to: dir.appendingPathComponent("y.npy"))
        let config = try ConfigLoader.parse("""
            data:
              path: '\(dir.appendingPathComponent("x.npy").path)'
              target_path: '\(dir.appendingPathComponent("y.npy").path)'
              task: regression
              split: {validation: 0.25, test: 0.25, method: sequential}
              preprocess: {scale: none}
            model: {kind: linear, solver: exact}
            """, source: "npy.yaml")
        #expect(config.data.target == "target")
        let data = try PreparedData.prepare(config.data)
        #expect(data.featureNames == ["x0", "x1"])
        #expect(data.train.count == 20 && data.validation.count == 10 && data.test.count == 10)
        #expect(data.train.x.cols == 2)
        // Sequential split keeps file order: the first test row is file row 30.
        #expect(data.test.sourceRows.first == 30)
        #expect(data.test.targets.first == Float(y[30]))
        #expect(data.test.x.row(0) == [Float(x[60]), Float(x[61])])
    }
}
