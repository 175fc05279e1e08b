import Foundation

/// `predictions.csv` of a regression run: a header naming `actual` and `predicted` columns (others
/// are ignored), then one numeric row per example.
public enum Predictions {
    /// The (actual, predicted) pairs in file order. Throws `ReportError` naming the file and line
    /// when the header lacks a column or a value is not a number.
    public static func load(path: String) throws -> [(actual: Double, predicted: Double)] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ReportError(.cannotRead(path: path)) }
        var lines = String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        guard let header = lines.first else { throw ReportError(.emptyPredictions(path: path)) }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces().lowercased() }
        guard let a = names.firstIndex(of: "actual"), let p = names.firstIndex(of: "predicted") else {
            throw ReportError(.predictionsHeader(path: path, found: names))
        }
        var out: [(actual: Double, predicted: Double)] = []
        for (i, line) in lines.enumerated().dropFirst() where !line.trimmingSpaces().isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
            guard cells.count > max(a, p), let actual = Double(cells[a]), let predicted = Double(cells[p]) else {
                throw ReportError(.predictionsLine(path: path, line: i + 1, text: line))
            }
            out.append((actual, predicted))
        }
        return out
    }
}
