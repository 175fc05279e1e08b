import Foundation
import TandemComm
import TandemData
import TandemModel

/// A warm start (`init_from`): a trained model whose weights and fitted preprocessing a run
/// starts from (loaded by the caller's `InitialModelLoader`), checked against the config and
/// the data before anything trains.
///
/// Every rank loads the artifact and runs the same checks, so an incompatible model is refused
/// by every rank with the same message naming the field. A checkpoint resume takes precedence:
/// its weights replace the artifact's (the preprocessing stays the artifact's, as in the run
/// that wrote the checkpoint).
struct WarmStart {
    let model: InitialModel

    /// The model directory actually read (a run directory stands for its `model/`).
    var directory: String { model.directory }

    /// What the new model's lineage and summary record.
    var record: (path: String, paramsSHA256: String) { (model.directory, model.paramsSHA256) }

    /// The job's data, prepared with the `init_from` model's preprocessing and classes when the
    /// config names one (else fitted as usual), and the warm start itself. Throws `ConfigError`
    /// (exit code 2) naming the field when the model does not fit the config or the data.
    static func prepare(_ config: JobConfig, loader: any InitialModelLoader, comm: Communicator? = nil) throws -> (data: PreparedData, warmStart: WarmStart?) {
        let root = DataCache.resolve(config.data.cache, outputDir: config.output.dir)?.root
        guard let path = config.initFrom else { return (try PreparedData.prepare(config.data, cacheRoot: root, comm: comm), nil) }
        let warm = WarmStart(model: try loader.load(path))
        try warm.requireCompatible(config)
        let m = warm.model
        let data = try PreparedData.prepare(config.data, reusing: .init(preprocessor: m.preprocessor, classes: m.classes, source: warm.directory),
                                            cacheRoot: root, comm: comm)
        try warm.requireCompatible(data, config: config)
        return (data, warm)
    }

    /// Checks what the config alone decides: task, target, model kind, hidden widths, activation.
    func requireCompatible(_ config: JobConfig) throws {
        let m = model
        let a = m.architecture
        try require(m.task == config.data.task, "data.task", m.task.rawValue, config.data.task.rawValue)
        try require(m.target == config.data.target, "data.target", m.target, config.data.target)
        try require(a.kind == config.model.kind.rawValue, "model.kind", a.kind, config.model.kind.rawValue)
        let hidden = Array(a.widths.dropFirst().dropLast())
        if let r = config.model.residualShape {
            try require(hidden == [r.width], "model.width", "\(hidden.first ?? 0)", "\(r.width)")
            try require(a.blocks == r.blocks, "model.blocks", "\(a.blocks ?? 0)", "\(r.blocks)")
            try require(a.blockHidden == r.hidden, "model.block_hidden", "\(a.blockHidden ?? 0)", "\(r.hidden)")
        } else {
            try require(hidden == config.model.hidden, "model.hidden", "\(hidden)", "\(config.model.hidden)")
        }
        let norm = a.norm ?? NormKind.none.rawValue
        try require(norm == config.model.norm.rawValue, "model.norm", norm, config.model.norm.rawValue)
        if !hidden.isEmpty {
            try require(a.activation == config.model.activation.rawValue, "model.activation", a.activation, config.model.activation.rawValue)
        }
    }

    /// Checks the layer widths the prepared data gives (features and kinds are checked by
    /// `PreparedData.Reused.requireFits` before encoding).
    func requireCompatible(_ data: PreparedData, config: JobConfig) throws {
        let m = model
        let embedding = try config.embeddingShape(preprocessor: data.preprocessor)
        try require(embedding == m.architecture.embedding, "the embedding tables (data.preprocess.categorical, model.embedding_dim)",
                    m.architecture.embedding.map { "dims \($0.dims)" } ?? "none", embedding.map { "dims \($0.dims)" } ?? "none")
        let widths = [embedding?.outputWidth ?? data.inputWidth] + (config.model.residualShape.map { [$0.width] } ?? config.model.hidden) + [LossHead(classes: data.classes?.count).outputs]
        try require(widths == m.architecture.widths, "the layer widths (inputs, model.hidden, outputs)",
                    m.architecture.widths.map(String.init).joined(separator: "-"), widths.map(String.init).joined(separator: "-"))
    }

    /// Copies the artifact's weights into `arena` (rank 0, before the broadcast).
    func load(into arena: ParameterArena) throws {
        do { try arena.load(model.tensors) } catch {
            throw ConfigError("init_from: the weights of \(directory) do not fit the model: \(error)")
        }
        Progress.say("warm start from \(directory) (params_sha256 \(model.paramsSHA256.prefix(16))...); its preprocessing is reused, data.preprocess is not refitted")
    }

    func require(_ same: Bool, _ field: String, _ model: String, _ now: String) throws {
        if !same { throw incompatible(field, model, now) }
    }

    func incompatible(_ field: String, _ model: String, _ now: String) -> ConfigError {
        WarmStart.incompatible(directory, field, model, now)
    }

    /// `init_from DIR does not fit this config: FIELD is X in that model, Y here`.
    static func incompatible(_ directory: String, _ field: String, _ model: String, _ now: String) -> ConfigError {
        ConfigError("init_from \(directory) does not fit this config: \(field) is \(model) in that model, \(now) here")
    }
}
