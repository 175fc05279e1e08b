import Foundation
import Testing
import TandemData
@testable import TandemArtifact

/// The streaming `tandem predict` path against the table path (`Predictor.load` + `csv`): the
/// same bytes out, the same errors.
@Suite struct StreamingPredictorTests {
    /// Writes `text` to a temporary CSV file; returns its path.
    static func file(_ text: String) throws -> String {
        let path = ModelArtifactTests.directory() + ".csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The output (or error text) of the table path and of the streaming path on `text`.
    static func both(_ artifact: ModelArtifact, _ text: String) throws -> (table: String, stream: String) {
        let path = try file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let predictor = try Predictor(artifact)
        let table: String
        do { table = try predictor.csv(table: predictor.load(path)) } catch { table = "error: \(error)" }
        var bytes: [UInt8] = []
        let stream: String
        do {
            let rows = try StreamingPredictor(predictor).predictCSV(path: path) { bytes += $0 }
            stream = String(decoding: bytes, as: UTF8.self)
            #expect(rows == stream.split(separator: "\n").count - 1)
        } catch { stream = "error: \(error)" }
        return (table, stream)
    }

    /// 9,000 rows (two full batches and a partial one) with missing values, unseen and missing
    /// categories, quoting, spaces and an extra column.
    static func rows(seed: UInt64) -> String {
        var rng = SplitMix(state: seed)
        var lines = ["id,color,a"]
        let colors = ["red", "blue", "green", "purple", "NA", "", "\" red\"", " blue "]
        for i in 0..<9000 {
            let a = rng.next() % 11 == 0 ? "NA" : String(Double(rng.next() % 100_000) / 997 - 40)
            lines.append("\(i),\(colors[Int(rng.next() % UInt64(colors.count))]),\(a)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func classificationOutputIsByteIdentical() throws {
        let (table, stream) = try Self.both(try ONNXModelTests.artifact(), Self.rows(seed: 1))
        #expect(table.hasPrefix("prediction,prob_p,prob_q,prob_r\n"))
        #expect(table == stream)
    }

    @Test func keptColumnsComeFirstAndThePredictionsAreUnchanged() throws {
        let text = Self.rows(seed: 4)
        let path = try Self.file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let predictor = try Predictor(try ONNXModelTests.artifact())
        var plain: [UInt8] = [], kept: [UInt8] = []
        _ = try StreamingPredictor(predictor).predictCSV(path: path) { plain += $0 }
        _ = try StreamingPredictor(predictor).predictCSV(path: path, keep: ["id", "color"]) { kept += $0 }
        let p = String(decoding: plain, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let k = String(decoding: kept, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let input = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(k.count == p.count && k[0] == "id,color," + p[0])
        for r in [1, 2, 4096, 4097, 9000] {
            let fields = input[r].split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            let color = String(fields[1])
            // The scanner unquotes the cell ("\" red\"" is the text ` red`); the output quotes only when needed.
            let cell = color.hasPrefix("\"") ? String(color.dropFirst().dropLast()) : color
            #expect(k[r] == "\(fields[0]),\(cell)," + p[r], "row \(r)")
        }
        #expect(throws: DataError.self) { try StreamingPredictor(predictor).predictCSV(path: path, keep: ["nope"]) { _ in } }
    }

    @Test func binaryWithQuotedLabelsAndRegressionAreByteIdentical() throws {
        let binary = try Self.both(try ONNXModelTests.artifact(classes: ["no, really", "yes \"sure\""], activation: .gelu), Self.rows(seed: 2))
        #expect(binary.table.hasPrefix("prediction,\"prob_no, really\",\"prob_yes \"\"sure\"\"\"\n"))
        #expect(binary.table == binary.stream)
        let regression = try Self.both(try ONNXModelTests.artifact(task: .regression, activation: .relu), Self.rows(seed: 3))
        #expect(regression.table.hasPrefix("prediction\n"))
        #expect(regression.table == regression.stream)
    }

    @Test func sameErrorsAsTheTablePath() throws {
        let artifact = try ONNXModelTests.artifact()
        for text in ["a,b\n1,2\n",                       // the model's column 'color' is missing
                     "a,color\n1,red\n2\n",              // ragged row
                     "a,color\n1,red\n\"x\",blue\n",     // not a number
                     "a,color\n1,red\ninf,blue\n",       // infinite
                     "a,color\n",                        // no rows
                     "a,color\n1,\"red\n"] {             // quote never closed
            let (table, stream) = try Self.both(artifact, text)
            #expect(table.hasPrefix("error: "), "\(text.debugDescription): \(table)")
            #expect(table == stream, "\(text.debugDescription)")
        }
    }
}

/// A tiny deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
