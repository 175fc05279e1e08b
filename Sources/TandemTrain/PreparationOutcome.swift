import Foundation
import TandemData

/// Rank 0's result of obtaining the prepared dataset, broadcast to the other ranks so that
/// they end with rank 0's error (same type, same message, same exit code) instead of waiting.
struct PreparationOutcome: Codable {
    /// "ok", "prepare" (rank 0 asks the others to prepare with it), "data", "config", "prepared" or "other".
    var kind: String
    var file = ""
    var line: Int?
    var column: String?
    var message = ""
    /// The rank that failed, for errors of no known kind.
    var rank: Int?
    /// The reason of a `PreparedDataError` ("prepared").
    var prepared: PreparedDataError.Reason?
    /// The key path of a `ConfigError` ("config").
    var keyPath: String?

    static let ok = PreparationOutcome(kind: "ok")
    /// The message tag of the outcome (rank 0 to each other rank).
    static let tag = 7301

    init(kind: String) { self.kind = kind }

    /// The outcome of `error` on `rank`.
    init(_ error: any Error, rank: Int = 0) {
        self.rank = rank
        switch error {
        case let e as DataError:
            kind = "data"
            file = e.file
            line = e.line
            column = e.column
            message = e.message
        case let e as ConfigError:
            kind = "config"
            message = e.description
            keyPath = e.keyPath
        case let e as PreparedDataError:
            kind = "prepared"
            message = e.description
            prepared = e.reason
        default:
            kind = "other"
            message = "\(error)"
        }
    }

    init(bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(PreparationOutcome.self, from: Data(bytes))
    }

    var bytes: [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data(#"{"kind":"other","message":"cannot encode the error"}"#.utf8)) }

    /// Throws the error this outcome describes (nothing for ok).
    func rethrow() throws {
        switch kind {
        case "ok": return
        case "data": throw DataError(file: file, line: line, column: column, message: message)
        case "config": throw ConfigError(message, keyPath: keyPath)
        case "prepared": throw PreparedDataError(prepared ?? .failedOnRank(rank: rank ?? 0, message: message))
        default: throw PreparedDataError(.failedOnRank(rank: rank ?? 0, message: message))
        }
    }
}

extension PreparationOutcome {
    /// A source stamp, or the error of making it, as bytes for another rank.
    static func stampBytes(_ result: Result<SourceStamp, any Error>) -> [UInt8] {
        switch result {
        case .success(let stamp): return [0] + Array((try? JSONEncoder().encode(stamp)) ?? Data())
        case .failure(let error): return [1] + PreparationOutcome(error).bytes
        }
    }

    /// The stamp of `stampBytes`, or its error thrown.
    static func stamp(_ bytes: [UInt8]) throws -> SourceStamp {
        guard let kind = bytes.first else { throw PreparedDataError(.damagedMessage(what: "the source's stamp", path: nil, detail: "it is empty")) }
        if kind == 1 {
            try PreparationOutcome(bytes: Array(bytes.dropFirst())).rethrow()
        }
        do { return try JSONDecoder().decode(SourceStamp.self, from: Data(bytes.dropFirst())) } catch {
            throw PreparedDataError(.damagedMessage(what: "the source's stamp", path: nil, detail: "\(error)"))
        }
    }
}
