import Foundation
import Testing
import TandemData
@testable import TandemServe

/// The parser's fast paths (runs of numbers in array rows, object keys matched on their bytes)
/// against the general reader alone: the same rows bit for bit, or the same error, for random
/// bodies valid and broken.
@Suite struct RowsRequestFastPathTests {
    enum Outcome: Equatable {
        case rows(count: Int, numbers: [UInt64], texts: [String?])
        case error(ServeError)
    }

    static func parse(_ body: [UInt8], _ schema: RowsRequest.Schema, fastPaths: Bool) -> Outcome {
        var rows = RequestRows()
        let refusal: ServeError? = body.withUnsafeBytes { raw in
            do throws(ServeError) {
                try RowsRequest.parse(raw, schema: schema, maxRows: 50, into: &rows, fastPaths: fastPaths)
                return nil
            } catch {
                return error
            }
        }
        if let refusal { return .error(refusal) }
        let n = rows.count * schema.names.count
        return .rows(count: rows.count, numbers: rows.numbers.prefix(n).map(\.bitPattern), texts: Array(rows.texts.prefix(n)))
    }

    @Test func randomBodiesParseAsWithoutFastPaths() {
        let schemas = [
            RowsRequest.Schema(features: [("a", .numeric), ("b", .numeric), ("c", .numeric)]),
            RowsRequest.Schema(features: [("x", .numeric), ("colour", .categorical), ("y", .numeric), ("z", .numeric)]),
            // Names whose JSON text differs from their bytes, and a repeated name.
            RowsRequest.Schema(features: [("q\"uote", .numeric), ("back\\slash", .numeric), ("p", .numeric), ("p", .numeric)]),
        ]
        // Mostly values the model takes (the first ones), sometimes anything.
        let numbers = ["0", "-0", "1", "-12", "2.5", "1e3", "-0.0", "0.1", "123456789012345678", "4.9e-324", "9007199254740993",
                       "null", "1e400", "01", "1.", "-", "1e", "\"s\"", "true", "[1]", "{}", "nul"]
        let texts = ["\"red\"", "\" blue \"", "\"NA\"", "\"\"", "\"\\u0062lue\"", "null", "3", "[]"]
        let spaces = ["", "", "", " ", "\n\t", "\r\n "]
        var g = JSONNumberTests.Xorshift(seed: 0xfa57_9a74)
        func pick<T>(_ a: [T]) -> T { a[Int(g.next() % UInt64(a.count))] }
        var compared = 0
        for _ in 0..<30_000 {
            let schema = pick(schemas)
            var body = "{" + pick(spaces) + "\"rows\":" + pick(spaces) + "["
            let rowCount = 1 + Int(g.next() % 4)
            for r in 0..<rowCount {
                if r > 0 { body += pick(spaces) + "," + pick(spaces) }
                // Usually the right width, sometimes one less or one more.
                let width = schema.names.count + (g.next() % 6 == 0 ? Int(g.next() % 3) - 1 : 0)
                let object = g.next() % 3 == 0
                var values: [String] = []
                for k in 0..<max(0, width) {
                    let f = k % schema.names.count
                    let choices = schema.kinds[f] == .numeric ? numbers : texts
                    let value = g.next() % 10 == 0 ? pick(choices) : pick(Array(choices.prefix(schema.kinds[f] == .numeric ? 12 : 6)))
                    if object {
                        // Usually in order; sometimes another feature's name or an escaped key.
                        let name = g.next() % 8 == 0 ? pick(schema.names) : schema.names[f]
                        let key = g.next() % 10 == 0 ? "\"\\u00" + String(name.utf8.first ?? 0x61, radix: 16) + String(name.dropFirst()) + "\""
                            : "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
                        values.append(key + pick(spaces) + ":" + pick(spaces) + value)
                    } else {
                        values.append(value)
                    }
                }
                let separator = g.next() % 30 == 0 ? " " : ","
                body += (object ? "{" : "[") + pick(spaces) + values.map { $0 + pick(spaces) }.joined(separator: separator)
                    + (object ? "}" : "]")
            }
            body += pick(spaces) + "]" + pick(spaces) + "}"
            var bytes = Array(body.utf8)
            // Sometimes one byte changed or cut off.
            switch g.next() % 8 {
            case 0: bytes[Int(g.next() % UInt64(bytes.count))] = pick(Array(",]}[{\" 0-.e".utf8))
            case 1: bytes.removeLast(Int(g.next() % UInt64(bytes.count)))
            default: break
            }
            let fast = Self.parse(bytes, schema, fastPaths: true), general = Self.parse(bytes, schema, fastPaths: false)
            #expect(fast == general, "\(String(decoding: bytes, as: UTF8.self)): \(fast) vs \(general)")
            if case .rows = general { compared += 1 }
        }
        #expect(compared > 1_000, "too few valid bodies (\(compared)) to compare rows")
    }
}
