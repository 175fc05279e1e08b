import TandemFormats
import TandemTensor

/// Something TandemReport could not read or write: `reason` names the file (and the line or
/// record) and what is wrong, e.g. `runs/a/metrics.jsonl line 7: not a valid JSON object: ...`.
public struct ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file operation that failed.
    public enum Operation: Equatable, Sendable {
        case writeReport
        case listDirectory
        case createEventDirectory
        case createEventFile
        case writeEventFile
        case rewriteEventFile
    }

    /// What is wrong with one TFRecord of an event file.
    public enum RecordProblem: Equatable, Sendable {
        /// Fewer than the 12 header bytes are left.
        case truncatedHeader(present: Int)
        /// The length's CRC does not match.
        case lengthCRCMismatch(stored: UInt32, computed: UInt32)
        /// The record declares more data than the file holds.
        case truncatedData(declared: UInt64, present: Int)
        /// The data's CRC does not match.
        case dataCRCMismatch(stored: UInt32, computed: UInt32)
    }

    /// What is wrong with one line of a metrics.jsonl.
    public enum LineProblem: Equatable, Sendable {
        /// The line is not a JSON object (`excerpt` shows it).
        case notJSONObject(excerpt: String)
        /// `step` is missing or not an integer.
        case missingStep
        /// `split` is missing or not a string.
        case missingSplit
    }

    /// What is wrong. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        case noSuchDirectory(String)
        case notADirectory(String)
        /// `directory` has none of `markers` (config.yaml, metrics.jsonl, ...).
        case notARunDirectory(String, markers: [String])
        /// `directory` has no metrics.jsonl to report on.
        case noResults(String)
        /// The file `path` cannot be read.
        case cannotRead(path: String)
        /// The event file `path` cannot be read.
        case cannotReadEventFile(path: String)
        /// `operation` on `path` failed (`detail` from the file system, when it said).
        case fileSystem(Operation, path: String, detail: String?)
        /// `source` is not JSON (`detail` from the parser).
        case invalidJSON(source: String, detail: String)
        /// `source` is JSON but not an object.
        case notAJSONObject(source: String)
        /// Line `line` of the metrics file `source` is wrong.
        case metricsLine(source: String, line: Int, LineProblem)
        /// Record `record` (at `byte`) of the event file `source` is damaged.
        case damagedRecord(source: String, record: Int, byte: Int, RecordProblem)
        /// An event message does not decode.
        case damagedEvent(ProtobufError)
        /// `source`'s test.confusion is not a square matrix of integers.
        case badConfusion(source: String)
        /// The predictions file `path` is empty.
        case emptyPredictions(path: String)
        /// The predictions file's header lacks actual or predicted (`found` lists its columns).
        case predictionsHeader(path: String, found: [String])
        /// Line `line` of the predictions file has no two numbers (`text` is the line).
        case predictionsLine(path: String, line: Int, text: String)
    }

    /// What is wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .noSuchDirectory(let d): return "\(d): no such directory"
        case .notADirectory(let d): return "\(d): not a directory"
        case .notARunDirectory(let d, let markers): return "\(d) is not a run directory (it has no \(markers.joined(separator: ", ")))"
        case .noResults(let d): return "\(d) is not a run directory with results: it has no metrics.jsonl"
        case .cannotRead(let p): return "\(p): cannot read the file"
        case .cannotReadEventFile(let p): return "\(p): cannot read the event file"
        case .fileSystem(let operation, let path, let detail):
            let what = switch operation {
            case .writeReport: "cannot write the report \(path)"
            case .listDirectory: "\(path): cannot list the directory"
            case .createEventDirectory: "cannot create the TensorBoard directory \(path)"
            case .createEventFile: "cannot create the TensorBoard event file \(path)"
            case .writeEventFile: "cannot write the TensorBoard event file \(path)"
            case .rewriteEventFile: "cannot rewrite the TensorBoard event file \(path)"
            }
            return what + (detail.map { ": \($0)" } ?? "")
        case .invalidJSON(let source, let detail): return "\(source): not valid JSON (\(detail))"
        case .notAJSONObject(let source): return "\(source): not a JSON object"
        case .metricsLine(let source, let line, let problem):
            let place = "\(source) line \(line)"
            switch problem {
            case .notJSONObject(let excerpt): return "\(place): not a valid JSON object: \(excerpt)"
            case .missingStep: return "\(place): missing or non-integer \"step\""
            case .missingSplit: return "\(place): missing or non-string \"split\""
            }
        case .damagedRecord(let source, let record, let byte, let problem):
            let place = "\(source): record \(record) at byte \(byte)"
            func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16, uppercase: true) }
            switch problem {
            case .truncatedHeader(let present): return "\(place): truncated header (\(present) of 12 bytes)"
            case .lengthCRCMismatch(let stored, let computed): return "\(place): length CRC mismatch (stored \(hex(stored)), computed \(hex(computed)))"
            case .truncatedData(let declared, let present): return "\(place): truncated: declares \(declared) bytes of data, \(present) present"
            case .dataCRCMismatch(let stored, let computed): return "\(place): data CRC mismatch (stored \(hex(stored)), computed \(hex(computed)))"
            }
        case .damagedEvent(let error): return error.description
        case .badConfusion(let source): return "\(source): test.confusion is not a square matrix of integers"
        case .emptyPredictions(let path): return "\(path): empty file"
        case .predictionsHeader(let path, let found):
            return "\(path) line 1: the header must name the columns actual and predicted (found \(found.joined(separator: ",")))"
        case .predictionsLine(let path, let line, let text):
            return "\(path) line \(line): expected numbers in the actual and predicted columns, got \"\(text)\""
        }
    }
}
