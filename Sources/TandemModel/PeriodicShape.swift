/// Periodic embeddings of numeric features (`model.numeric_embedding: periodic`; Gorishniy et
/// al. 2022, "PLR"): each numeric feature x becomes ReLU(W [sin(2 pi c x), cos(2 pi c x)] + b)
/// with its own learned frequencies c `[frequencies]`, W `[width, 2 * frequencies]` and b `[width]`.
public struct PeriodicShape: Codable, Equatable, Sendable {
    /// The numeric columns of the layer's input, increasing.
    public var columns: [Int]
    /// Frequencies per feature (k).
    public var frequencies: Int
    /// Output features per numeric feature (d).
    public var width: Int
    /// Standard deviation of the frequencies' N(0, sigma) initialization (`Initializer`), the
    /// reference implementation's `frequency_init_scale`.
    public static let frequencyScale = 0.01

    /// The defaults of the reference implementation (rtdl_num_embeddings `PeriodicEmbeddings`):
    /// 48 frequencies, width 24.
    public init(columns: [Int], frequencies: Int = 48, width: Int = 24) {
        self.columns = columns
        self.frequencies = frequencies
        self.width = width
    }

    /// The layer's output width for an input of `inputs` columns.
    public func outputWidth(inputs: Int) -> Int { inputs - columns.count + columns.count * width }

    /// `numeric.frequencies` `[F, k]`, `numeric.weight` `[F, d, 2k]` (decays), `numeric.bias` `[F, d]`.
    public var parameterSpecs: [(name: String, shape: [Int], decays: Bool)] {
        let f = columns.count
        return [("numeric.frequencies", [f, frequencies], false), ("numeric.weight", [f, width, 2 * frequencies], true),
                ("numeric.bias", [f, width], false)]
    }

    /// Elements of the three tensors.
    public var parameterCount: Int { columns.count * (frequencies + width * 2 * frequencies + width) }

    /// Throws a `ModelError` for no or repeated columns, columns outside `inputs`, sizes below 1.
    public func validate(inputs: Int) throws {
        guard let first = columns.first, let last = columns.last, first >= 0, last < inputs,
              zip(columns, columns.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ModelError(.invalidArchitecture(key: "model.numeric_embedding", problem: "numeric columns \(columns) must be some and increase within the \(inputs) inputs"))
        }
        guard frequencies >= 1, width >= 1 else {
            throw ModelError(.invalidArchitecture(key: "model.numeric_embedding", problem: "frequencies \(frequencies) and width \(width) must be positive"))
        }
    }
}
