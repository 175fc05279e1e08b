import Foundation

/// Where a network's categorical codes are and how large their embedding tables are
/// (`data.preprocess.categorical: embedding`, `model.embedding_dim`), and the periodic
/// embeddings of its numeric features (`model.numeric_embedding: periodic`, `periodic`).
///
/// The network input `[rows, inputs]` holds one float column per numeric input and one per
/// embedded categorical feature (its code, `BatchEncoder`); table `t` is `[levels[t], dims[t]]`
/// and reads input column `columns[t]`. The `Embedding` layer's output `[rows, outputWidth]` is
/// the numeric columns in input order, then each table's row for its code, in table order
/// (`tablesOutputWidth`); with `periodic`, the `PeriodicEmbedding` layer then replaces each of
/// its columns by `periodic.width` features (`outputWidth`).
public struct EmbeddingShape: Codable, Equatable, Sendable {
    /// Network input columns (numeric plus one code column per table).
    public var inputs: Int
    /// The input column of each table's codes, increasing.
    public var columns: [Int]
    /// Rows of each table: the training categories plus the reserved row (the last) for missing
    /// and unseen values.
    public var levels: [Int]
    /// Columns of each table (`model.embedding_dim`).
    public var dims: [Int]
    /// Periodic embeddings of the numeric columns (of the tables' output); nil: none.
    public var periodic: PeriodicShape?

    public init(inputs: Int, columns: [Int], levels: [Int], dims: [Int], periodic: PeriodicShape? = nil) {
        self.inputs = inputs
        self.columns = columns
        self.levels = levels
        self.dims = dims
        self.periodic = periodic
    }

    /// The `auto` width of a table of `levels` rows: min(32, round(1.6 * levels^0.56)) (the
    /// fastai rule of thumb), at least 1.
    public static func autoDim(levels: Int) -> Int {
        max(1, min(32, Int((1.6 * pow(Double(levels), 0.56)).rounded())))
    }

    /// The input columns that are numeric (every column but the codes), in order.
    public var numericColumns: [Int] {
        let codes = Set(columns)
        return (0..<inputs).filter { !codes.contains($0) }
    }

    /// Width of the `Embedding` layer's output: the numeric columns plus every table's width
    /// (`inputs` without tables).
    public var tablesOutputWidth: Int { inputs - columns.count + dims.reduce(0, +) }

    /// Width of the embeddings' output, the first dense layer's input.
    public var outputWidth: Int { periodic.map { $0.outputWidth(inputs: tablesOutputWidth) } ?? tablesOutputWidth }

    /// Elements of every table together.
    public var tableParameterCount: Int { zip(levels, dims).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Elements of the tables and the periodic embeddings.
    public var parameterCount: Int { tableParameterCount + (periodic?.parameterCount ?? 0) }

    /// Arena name of table `t`.
    public static func tableName(_ t: Int) -> String { "embeddings.\(t).weight" }

    /// The parameter slots: `embeddings.t.weight` `[levels, dims]` (decayed like weights), then
    /// the periodic embeddings' (`PeriodicShape.parameterSpecs`).
    public var parameterSpecs: [(name: String, shape: [Int], decays: Bool)] {
        (0..<columns.count).map { (Self.tableName($0), [levels[$0], dims[$0]], true) } + (periodic?.parameterSpecs ?? [])
    }

    /// Throws a `ModelError` naming what is inconsistent: no tables, counts that differ, a column
    /// outside the input or repeated, fewer than 2 levels (a category and the reserved row), a
    /// width below 1.
    public func validate() throws {
        if let periodic { try periodic.validate(inputs: tablesOutputWidth) }
        if columns.isEmpty && levels.isEmpty && dims.isEmpty && periodic != nil { return }
        guard !columns.isEmpty else { throw ModelError(.invalidArchitecture(key: "embedding", problem: "no categorical features to embed")) }
        guard levels.count == columns.count, dims.count == columns.count else {
            throw ModelError(.invalidArchitecture(key: "embedding", problem: "\(columns.count) columns, \(levels.count) levels and \(dims.count) dims must be as many"))
        }
        guard zip(columns, columns.dropFirst()).allSatisfy({ $0 < $1 }), let first = columns.first, first >= 0,
              let last = columns.last, last < inputs else {
            throw ModelError(.invalidArchitecture(key: "embedding", problem: "columns \(columns) must increase within the \(inputs) inputs"))
        }
        if let bad = levels.first(where: { $0 < 2 }) { throw ModelError(.invalidArchitecture(key: "embedding", problem: "a table of \(bad) rows (needs a category and the reserved row)")) }
        if let bad = dims.first(where: { $0 < 1 }) { throw ModelError(.invalidArchitecture(key: "model.embedding_dim", problem: "\(bad) must be at least 1")) }
    }
}
