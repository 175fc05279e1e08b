import Foundation

/// Reads TensorBoard event files back (for tests and reports).
public enum EventFileReader {
    /// Every event in the file at `path`, in order, after verifying the TFRecord framing and CRCs.
    /// Throws `ReportError` naming the file (and the record) when it cannot be read or is damaged.
    public static func events(path: String) throws -> [TensorBoardEvent] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError(.cannotReadEventFile(path: path))
        }
        let records = try TFRecord.records(in: data, source: path)
        return try records.enumerated().map { i, record in
            try TensorBoardEvent.decode(record, source: "\(path): record \(i)")
        }
    }

    /// Every scalar in the file at `path` as (tag, step, value), in file order.
    public static func scalars(path: String) throws -> [(tag: String, step: Int, value: Double)] {
        try events(path: path).flatMap { event in
            event.scalars.map { (tag: $0.tag, step: Int(event.step), value: Double($0.value)) }
        }
    }
}
