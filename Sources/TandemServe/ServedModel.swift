import Foundation
import Hummingbird
import TandemArtifact
import TandemData
import TandemFormats
import TandemTensor

/// One model the server answers for: its artifact, a pool of predictors, the rolling window of
/// recent inputs for drift, and the pieces of its JSON responses prepared once.
public final class ServedModel: Sendable {
    /// The name in URLs (`/v1/models/{name}`) and in responses and metrics.
    public let name: String
    /// The loaded artifact.
    public let artifact: ModelArtifact
    let schema: RowsRequest.Schema
    let encoder: RequestEncoder
    let pool: PredictorPool
    let window: DriftWindow
    let scorer: DriftScorer?
    /// `GET /v1/models/{name}` body.
    let summary: String
    /// `{"model":"name","predictions":[`.
    let responsePrefix: [UInt8]
    /// Per class, `"label":` (classification; empty for regression): the texts one after the
    /// other in `classKeyBytes`, class c's at `classKeyRanges[c]`.
    let classKeyBytes: [UInt8]
    let classKeyRanges: [Range<Int>]
    /// Per class, a row's opening when it is the prediction, `{"prediction":"label","probabilities":{`:
    /// the texts one after the other in `rowPrefixBytes`, class c's at `rowPrefixRanges[c]`.
    let rowPrefixBytes: [UInt8]
    let rowPrefixRanges: [Range<Int>]
    /// A regression row's opening, `{"prediction":`.
    let regressionPrefix = Array("{\"prediction\":".utf8)
    /// The most bytes one row of the response takes.
    let rowBound: Int

    /// Serves `artifact` as `name`, keeping the last `driftWindow` input rows for `scorer`
    /// (the window is kept only when there is a scorer). Throws if the name cannot appear in a
    /// URL path or the network cannot be built.
    public init(name: String, artifact: ModelArtifact, driftWindow: Int = 10_000, scorer: DriftScorer? = nil) throws {
        let urlSafe = name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
        }
        guard !name.isEmpty, urlSafe else {
            throw ArtifactError(.invalidModelName(name))
        }
        self.name = name
        self.artifact = artifact
        let m = artifact.manifest
        schema = RowsRequest.Schema(features: m.features.map { ($0.name, $0.kind) })
        encoder = try RequestEncoder(preprocessor: m.preprocessing, schema: schema)
        pool = try PredictorPool(artifact)
        window = DriftWindow(capacity: scorer == nil ? 0 : driftWindow, names: schema.names, kinds: schema.kinds)
        self.scorer = scorer
        summary = ModelSummary(name: name, manifest: m).json
        responsePrefix = Array("{\"model\":\(JSONText.quoted(name)),\"predictions\":[".utf8)
        let labels = m.task == .classification ? (m.classes ?? []) : []
        (classKeyBytes, classKeyRanges) = Self.concatenated(labels.map { Array((JSONText.quoted($0) + ":").utf8) })
        (rowPrefixBytes, rowPrefixRanges) = Self.concatenated(labels.map { Array("{\"prediction\":\(JSONText.quoted($0)),\"probabilities\":{".utf8) })
        let number = FloatText.maxLength
        rowBound = labels.isEmpty ? regressionPrefix.count + number + 1
            : (rowPrefixRanges.map(\.count).max() ?? 0) + classKeyBytes.count + labels.count * (number + 1) + 2
    }

    /// Predicts the rows in a request body; the response body `{"model": ..., "predictions": [...]}`
    /// and the number of rows. Throws `ServeError` (4xx) for a bad body.
    func predict(body: ByteBuffer, maxRows: Int) throws -> (ByteBuffer, rows: Int) {
        try pool.withSession { session in
            try body.withUnsafeReadableBytes { bytes throws(ServeError) in
                try RowsRequest.parse(bytes, schema: schema, maxRows: maxRows, into: &session.rows)
            }
            let n = session.rows.count
            session.input.removeAll(keepingCapacity: true)
            session.input.append(contentsOf: repeatElement(0, count: n * encoder.width))
            try session.input.withUnsafeMutableBufferPointer { input throws(ServeError) in
                guard let base = input.baseAddress else { return }
                try encoder.encode(session.rows, into: base)
            }
            let out = try session.predictor.outputs(encoded: Matrix(rows: n, cols: encoder.width, values: session.input))
            window.append(session.rows)
            return (response(out), n)
        }
    }

    /// The response body for outputs `out` (`[rows, classes]` probabilities or `[rows, 1]` values),
    /// numbers printed exactly as `tandem predict` prints them (`FloatText`), written in one pass
    /// into a buffer sized for the longest text each row can take.
    func response(_ out: Matrix) -> ByteBuffer {
        var buffer = ByteBuffer()
        let bound = responsePrefix.count + out.rows * (rowBound + 1) + 4
        buffer.reserveCapacity(bound)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { raw in
            guard let start = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
            var p = start
            func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                guard let from = bytes.baseAddress else { return }
                p.update(from: from, count: bytes.count)
                p += bytes.count
            }
            func put(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { put($0) } }
            func put(_ byte: UInt8) { p.pointee = byte; p += 1 }
            put(responsePrefix)
            // The prepared texts through buffer pointers: no array retained per row or class.
            out.values.withUnsafeBufferPointer { v in
                classKeyBytes.withUnsafeBufferPointer { keys in
                    rowPrefixBytes.withUnsafeBufferPointer { prefixes in
                        classKeyRanges.withUnsafeBufferPointer { keyRanges in
                            rowPrefixRanges.withUnsafeBufferPointer { prefixRanges in
                                let cols = out.cols
                                for r in 0..<out.rows {
                                    if r > 0 { put(UInt8(ascii: ",")) }
                                    let row = r * cols
                                    if keyRanges.isEmpty {
                                        put(regressionPrefix)
                                        if v[row].isFinite { p += FloatText.write(v[row], to: p) } else { put(Self.null) }
                                        put(UInt8(ascii: "}"))
                                        continue
                                    }
                                    var best = 0
                                    for c in 1..<cols where v[row + c] > v[row + best] { best = c }
                                    put(UnsafeBufferPointer(rebasing: prefixes[prefixRanges[best]]))
                                    for c in 0..<cols {
                                        if c > 0 { put(UInt8(ascii: ",")) }
                                        put(UnsafeBufferPointer(rebasing: keys[keyRanges[c]]))
                                        if v[row + c].isFinite { p += FloatText.write(v[row + c], to: p) } else { put(Self.null) }
                                    }
                                    put(UInt8(ascii: "}"))
                                    put(UInt8(ascii: "}"))
                                }
                            }
                        }
                    }
                }
            }
            put(Self.end)
            return p - start
        }
        return buffer
    }

    /// `parts` one after the other, and the range of each.
    private static func concatenated(_ parts: [[UInt8]]) -> ([UInt8], [Range<Int>]) {
        var bytes: [UInt8] = [], ranges: [Range<Int>] = []
        for part in parts {
            ranges.append(bytes.count..<(bytes.count + part.count))
            bytes += part
        }
        return (bytes, ranges)
    }

    private static let null = Array("null".utf8), end = Array("]}\n".utf8)

    /// The drift reading for `/metrics`: nil without a scorer; otherwise the window size and,
    /// for a non-empty window, the scorer's per-feature PSI (or its error).
    func drift() -> DriftReading? {
        guard let scorer else { return nil }
        let table = window.table(file: "serving window of model '\(name)'")
        guard table.rowCount > 0 else { return DriftReading(rows: 0, scores: [], error: nil) }
        do {
            return DriftReading(rows: table.rowCount, scores: try scorer(table), error: nil)
        } catch {
            return DriftReading(rows: table.rowCount, scores: [], error: "\(error)")
        }
    }
}

/// A model's drift at one scrape of `/metrics`.
struct DriftReading {
    /// Rows in the serving window.
    var rows: Int
    /// PSI per feature, as the scorer returned them.
    var scores: [(feature: String, psi: Double)]
    /// The scorer's error, if it failed.
    var error: String?
}
