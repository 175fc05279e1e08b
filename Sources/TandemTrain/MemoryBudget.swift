import Foundation
import TandemModel

/// Refuses a model and batch that cannot fit in this node's memory before anything is allocated,
/// with the memory they would need: `model.hidden: [1000000, 1000000]` (10^12 parameters) used to
/// end in an allocation trap (exit 134). Sizes are estimated in doubles, so no count overflows.
enum MemoryBudget {
    /// Bytes one rank needs, about: float32 parameters, gradients, optimizer moments and best copy
    /// (its share under tensor/pipeline splitting), plus forward and backward workspaces (4 floats
    /// per output width per batch row), and the training rows encoded in memory when they fit
    /// `data.in_memory_mib` (`EncodedRows`). A pipeline stage running several micro-batches also
    /// holds its dense weights packed twice (W^T and W, `WeightPacks`), and with 2 or more stages
    /// each dense layer keeps its input and output gradient rows for the deferred weight gradient
    /// (batch x (inputs + outputs) floats; the stages' share, `StageNetwork`). Rank 0 holds the
    /// checkpoint snapshot of the whole model (parameters, moments, best copy), which the
    /// writer keeps for the next checkpoint (`CheckpointWriter`; a second one only while a
    /// snapshot waits for the disk); the estimate counts it on every rank, as the largest.
    static func estimate(spec: NetworkSpec, config: JobConfig, trainRows: Int, layout: Layout) -> (bytes: Double, parameters: Double) {
        let w = spec.widths.map(Double.init)
        let parameters = spec.estimatedParameterCount
        // A resnet's blocks keep their inner activations too.
        let blocks = spec.residual.map { Double($0.blocks) * (2 * Double($0.hidden) + 3 * Double($0.width)) } ?? 0
        let o = config.train.optimizer
        let moments = o.name == .sgd ? (o.momentum == 0 ? 0.0 : 1.0) : 2.0
        let best = config.train.earlyStopping?.restoreBest == true ? 1.0 : 0.0
        let packs = layout.pp > 1 && config.parallel.microBatches > 1 ? 2.0 : 0.0
        let copies = 2 + moments + best + packs
        let snapshot = 1 + moments + best
        let share = Double(max(1, layout.tp * layout.pp))
        let rows = Double(min(config.train.batchSize, trainRows)) / Double(max(1, layout.dp))
        let workspace = 4 * rows.rounded(.up) * (w.dropFirst().reduce(0, +) + blocks)
        let deferredRows = layout.pp > 1 ? rows.rounded(.up) * zip(w, w.dropFirst()).reduce(0) { $0 + $1.0 + $1.1 } / Double(layout.pp) : 0
        let encodedRows = Double(trainRows) * (w.first ?? 0)
        let encoded = 4 * encodedRows <= Double(config.data.inMemoryBytes) ? encodedRows : 0
        return (4 * (copies * parameters / share + snapshot * parameters + workspace + deferredRows + encoded), parameters)
    }

    /// Throws a `ConfigError` when `estimate` exceeds this node's physical memory divided among
    /// the ranks on it.
    static func check(spec: NetworkSpec, config: JobConfig, trainRows: Int, layout: Layout) throws {
        let (bytes, parameters) = estimate(spec: spec, config: config, trainRows: trainRows, layout: layout)
        let available = Double(ProcessInfo.processInfo.physicalMemory) / Double(max(1, layout.ranksPerNode))
        guard bytes > available else { return }
        let shape = config.model.residualShape.map { "model.blocks \($0.blocks), model.width \($0.width), model.block_hidden \($0.hidden)" }
            ?? "model.hidden \(config.model.hidden)"
        throw ConfigError("\(shape) and train.batch_size \(config.train.batchSize) need about \(gib(bytes)) per rank (\(String(format: "%.3g", parameters)) parameters with their gradients and optimizer state, and the batch's workspaces), more than the \(gib(available)) of memory per rank on this node (\(layout.ranksPerNode) ranks); make the model or the batch smaller")
    }

    static func gib(_ bytes: Double) -> String {
        let gibs = bytes / 1_073_741_824
        return gibs >= 1024 ? String(format: "%.1f TiB", gibs / 1024) : String(format: "%.1f GiB", gibs)
    }
}
