import Foundation
import Hummingbird
import TandemTensor

/// The CPU cost of each part of a prediction request, measured without HTTP (`tandem bench
/// --serve`, run by `scripts/bench-serve.sh`): the JSON parse, the encoding into the network's
/// input, the forward pass and the response encoding, each run `iterations` times in a row on
/// the same body, in CPU nanoseconds per row of the calling thread.
public struct ServePartTimes: Sendable {
    /// Rows in the body.
    public var rows: Int
    /// CPU nanoseconds per row: the parse, the encoding, the forward pass, the response, and a
    /// whole `predict` (all four, as a worker runs them).
    public var parse: Double, encode: Double, forward: Double, respond: Double, whole: Double
}

extension ServedModel {
    /// Times the parts of predicting `body` (a request body this model accepts). Throws the
    /// request's `ServeError` if the body is refused.
    public func measureParts(body: String, iterations: Int) throws -> ServePartTimes {
        let bytes = ByteBuffer(string: body)
        let n = max(1, iterations)
        return try pool.withSession { s in
            func perRow(_ seconds: Double) -> Double { seconds / Double(n * max(s.rows.count, 1)) * 1e9 }
            let parse = try Self.cpuTime(n) {
                try bytes.withUnsafeReadableBytes { raw throws(ServeError) in
                    try RowsRequest.parse(raw, schema: schema, maxRows: .max, into: &s.rows)
                }
            }
            let width = encoder.width
            let encode = try Self.cpuTime(n) {
                s.input.removeAll(keepingCapacity: true)
                s.input.append(contentsOf: repeatElement(0, count: s.rows.count * width))
                try s.input.withUnsafeMutableBufferPointer { input throws(ServeError) in
                    guard let base = input.baseAddress else { return }
                    try encoder.encode(s.rows, into: base)
                }
            }
            var out = Matrix(rows: 0, cols: 0)
            let forward = try Self.cpuTime(n) { out = try s.predictor.outputs(encoded: Matrix(rows: s.rows.count, cols: width, values: s.input)) }
            var length = 0
            let respond = try Self.cpuTime(n) { length += response(out).readableBytes }
            let rows = s.rows.count
            let whole = try Self.cpuTime(n) {
                // `predict` borrows its own session: the pool makes a second one on the first call.
                length += try predict(body: bytes, maxRows: .max).0.readableBytes
            }
            return ServePartTimes(rows: rows, parse: perRow(parse), encode: perRow(encode), forward: perRow(forward),
                                  respond: perRow(respond), whole: perRow(whole))
        }
    }

    /// CPU seconds of the calling thread for `n` runs of `body`.
    private static func cpuTime(_ n: Int, _ body: () throws -> Void) throws -> Double {
        let begin = threadCPUSeconds()
        for _ in 0..<n { try body() }
        return threadCPUSeconds() - begin
    }

    private static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}
