import Foundation
import TandemData
import TandemTensor

/// `tandem predict` on a CSV file of any size: parses records straight from the (memory-mapped)
/// bytes to encoded features (`RecordEncoder`), predicts them in batches of `batchRows` with one
/// GEMM per layer, and hands the output CSV on batch by batch.
///
/// The output equals `Predictor.csv(table:)` on the same file byte for byte, and every error is
/// one the table path gives (a missing feature column named, a field-count mismatch, a cell that
/// is not a number, ... with file, line and column); with several problems in one file, the
/// first met while streaming is reported.
public struct StreamingPredictor {
    /// Rows per batch: a multiple of `Network.predict`'s chunk (1024), so every GEMM has the
    /// shape the table path gives it and the outputs are bit-identical.
    public static let batchRows = 4096

    public let predictor: Predictor

    /// A streaming front end for `predictor`.
    public init(_ predictor: Predictor) { self.predictor = predictor }

    /// Predicts every row of the CSV file at `path`, calling `write` with the output CSV in
    /// pieces (the header first). The input columns named in `keep` (an ID, say) are copied in
    /// front of the predictions. Returns the number of rows. Throws `ArtifactError` or
    /// `DataError` (a `keep` column the file lacks is named; and whatever `write` throws);
    /// pieces already handed on stay handed on.
    public func predictCSV(path: String, keep: [String] = [], write: ([UInt8]) throws -> Void) throws -> Int {
        let data = try Table.readFile(path)
        return try data.withUnsafeBytes { raw in
            var scanner = CSVRecordScanner(bytes: raw.bindMemory(to: UInt8.self), file: path)
            let header = try scanner.readHeader()
            try predictor.requireFeatures(in: header, path: path)
            let encoder = try RecordEncoder(preprocessor: predictor.artifact.manifest.preprocessing, header: header, file: path)
            let kept = try keep.map { name -> Int in
                guard let i = header.firstIndex(of: name) else {
                    throw DataError(file: path, line: 1, column: name, message: "--keep names a column the file does not have; columns are: \(DataError.list(header))")
                }
                return i
            }
            var prefixes: [[UInt8]] = []
            let format = PredictionCSV(manifest: predictor.artifact.manifest, keep: keep)
            try write(format.header)
            let width = encoder.width
            var x = [Float](repeating: 0, count: Self.batchRows * width)
            var rows = 0, total = 0
            func flush() throws {
                guard rows > 0 else { return }
                let batch = Matrix(rows: rows, cols: width, values: rows == Self.batchRows ? x : Array(x[0..<(rows * width)]))
                var bytes: [UInt8] = []
                bytes.reserveCapacity(rows * 16 * (predictor.head.probabilityWidth + 1))
                format.append(try predictor.outputs(encoded: batch), prefixes: kept.isEmpty ? nil : prefixes, to: &bytes)
                prefixes.removeAll(keepingCapacity: true)
                try write(bytes)
                total += rows
                rows = 0
            }
            repeat {
                try scanner.requireFieldCount(header.count)
                try x.withUnsafeMutableBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    try encoder.encode(scanner, into: base + rows * width)
                }
                if !kept.isEmpty {
                    prefixes.append(Array(kept.map { Predictor.field(scanner.text($0)) + "," }.joined().utf8))
                }
                rows += 1
                if rows == Self.batchRows { try flush() }
            } while try scanner.next()
            try flush()
            return total
        }
    }
}
