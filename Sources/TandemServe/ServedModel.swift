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
    let pool: PredictorPool
    let window: DriftWindow
    let scorer: DriftScorer?
    /// `GET /v1/models/{name}` body.
    let summary: String
    /// `{"model":"name","predictions":[` and, per class, `"label":` (classification).
    let responsePrefix: String
    let classKeys: [String]
    let classLabels: [String]

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
        pool = try PredictorPool(artifact)
        window = DriftWindow(capacity: scorer == nil ? 0 : driftWindow, names: schema.names, kinds: schema.kinds)
        self.scorer = scorer
        summary = ModelSummary(name: name, manifest: m).json
        responsePrefix = "{\"model\":\(JSONText.quoted(name)),\"predictions\":["
        classLabels = m.task == .classification ? (m.classes ?? []) : []
        classKeys = classLabels.map { JSONText.quoted($0) + ":" }
    }

    /// Predicts the rows in a request body; the response body `{"model": ..., "predictions": [...]}`
    /// and the number of rows. Throws `ServeError` (4xx) for a bad body.
    func predict(body: ByteBuffer, maxRows: Int) throws -> (ByteBuffer, rows: Int) {
        let request = try body.withUnsafeReadableBytes { bytes throws(ServeError) in
            try RowsRequest.parse(bytes, schema: schema, maxRows: maxRows)
        }
        // Line numbers are row indices, so a DataError from the preprocessing names rows[i].
        let table = Table(file: "request", names: schema.names, columns: request.columns,
                          lineNumbers: Array(0..<request.rowCount))
        let out: Matrix
        do {
            out = try pool.withPredictor { try $0.outputs(table: table, rows: Array(0..<request.rowCount)) }
        } catch let e as DataError {  // a value the preprocessing refuses: name the row
            throw ServeError.badRequest("rows[\(e.line ?? 0)]\(e.column.map { ".\($0)" } ?? ""): \(e.message)")
        }
        window.append(request.columns, rows: request.rowCount)
        return (response(out), request.rowCount)
    }

    /// The response body for outputs `out` (`[rows, classes]` probabilities or `[rows, 1]` values),
    /// numbers printed exactly as `tandem predict` prints them.
    func response(_ out: Matrix) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(responsePrefix.utf8.count + out.rows * (32 + out.cols * (classKeys.first?.utf8.count ?? 0 + 16)))
        buffer.writeString(responsePrefix)
        for r in 0..<out.rows {
            if r > 0 { buffer.writeString(",") }
            if classKeys.isEmpty {
                let v = out[r, 0]
                buffer.writeString(v.isFinite ? "{\"prediction\":\(v)}" : "{\"prediction\":null}")
                continue
            }
            var best = 0
            for c in 1..<out.cols where out[r, c] > out[r, best] { best = c }
            buffer.writeString("{\"prediction\":")
            buffer.writeString(JSONText.quoted(classLabels[best]))
            buffer.writeString(",\"probabilities\":{")
            for c in 0..<out.cols {
                if c > 0 { buffer.writeString(",") }
                buffer.writeString(classKeys[c])
                let p = out[r, c]
                buffer.writeString(p.isFinite ? p.description : "null")
            }
            buffer.writeString("}}")
        }
        buffer.writeString("]}\n")
        return buffer
    }

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
