import TandemModel

/// `model.embedding_dim:` — the width of each categorical feature's embedding table
/// (`data.preprocess.categorical: embedding`): `auto` (`EmbeddingShape.autoDim` of the table's
/// rows: min(32, round(1.6 * levels^0.56)), levels counting the reserved row) or a number 1 ... 2^20
/// for every table.
public enum EmbeddingDimSetting: Equatable, Sendable, Codable {
    case auto
    case fixed(Int)

    /// Decodes `auto` or an integer in 1 ... 2^20; anything else is a `ConfigError` naming `model.embedding_dim`.
    public init(from decoder: any Decoder) throws {
        let path = decoder.keyPath.isEmpty ? "model.embedding_dim" : decoder.keyPath
        let single = try decoder.singleValueContainer()
        if let n = try? single.decode(Int.self) {
            try ConfigRange.check(n, path, 1...ConfigRange.maxWidth)
            self = .fixed(n)
            return
        }
        if let word = try? single.decode(String.self), word == "auto" {
            self = .auto
            return
        }
        throw ConfigError("\(path): expected auto or a whole number of at least 1", keyPath: path)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .auto: try c.encode("auto")
        case .fixed(let n): try c.encode(n)
        }
    }

    /// The table width for a feature of `levels` rows (training categories plus the reserved row).
    public func dim(levels: Int) -> Int {
        switch self {
        case .auto: EmbeddingShape.autoDim(levels: levels)
        case .fixed(let n): n
        }
    }
}
