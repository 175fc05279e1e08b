import TandemModel

/// The packs of a pipeline stage's dense weights for one training step: every micro-batch's
/// forward multiplies by the same W^T and its backward by the same W, so each is packed once
/// per step (`Dense.packWeights`) and the micro-batch products read the pack instead of packing
/// W on every call (the same bits). Measured (C harness, AVX-512, 32 rows, thread CPU time): a
/// 32x1024x1024 product packing W^T per call 456-675 us, from the pack 326-379, the pack
/// itself 185-383 (a 256-row product: 341-441 us per 32 rows).
///
/// The packs are made in the order the step's ops first need them: while the stage waits for a
/// neighbour (`packNext`), else just before the op that needs them (`ensure`; the pipeline lets
/// each pass's first micro-batch run without them); `drop` ends the step (the optimizer changes
/// W next). Memory: one copy of every dense W per direction (balanced model, pp 2: 14 / 16 MiB
/// on stages 0 / 1).
final class WeightPacks {
    /// One layer's pack: its forward product's (W^T) or its input gradient's (W).
    private struct Job {
        let chunk: Int
        let forward: Bool
        let dense: Dense
    }

    /// Every pack of a step, in the order the ops first need them.
    private let jobs: [Job]
    /// Jobs `0..<done` are packed this step.
    private var done = 0
    /// The index in `jobs` past the last job of each (chunk, direction): `ensure` packs up to it.
    private var end: [Int: Int] = [:]

    /// The packs `ops` need on a stage with `chunks`: forward packs for every dense layer, input
    /// gradient packs for every dense layer whose input gradient is computed (not the model's
    /// first layer: `firstChunk` is the local chunk holding it, if any).
    init(chunks: [StageNetwork], ops: [PipelineOp], firstChunk: Int?) {
        var jobs: [Job] = []
        var end: [Int: Int] = [:]
        for op in ops where op.pass != .weights {
            let key = Self.key(chunk: op.chunk, forward: op.isForward)
            guard end[key] == nil else { continue }
            let layers = chunks[op.chunk].layers
            let order = op.isForward ? Array(layers.indices) : layers.indices.reversed()
            for j in order {
                guard let dense = layers[j] as? Dense else { continue }
                if !op.isForward && j == 0 && op.chunk == firstChunk { continue }
                jobs.append(Job(chunk: op.chunk, forward: op.isForward, dense: dense))
            }
            end[key] = jobs.count
        }
        self.jobs = jobs
        self.end = end
    }

    private static func key(chunk: Int, forward: Bool) -> Int { 2 * chunk + (forward ? 0 : 1) }

    /// Whether a pack is still to be made this step.
    var pending: Bool { done < jobs.count }

    /// The local chunk of the next pack due, nil when every pack is made.
    var nextChunk: Int? { done < jobs.count ? jobs[done].chunk : nil }

    /// Makes the next pack due; false when every pack is made.
    @discardableResult
    func packNext() -> Bool {
        guard done < jobs.count else { return false }
        let job = jobs[done]
        job.dense.packWeights(forward: job.forward)
        done += 1
        return true
    }

    /// Makes every pack up to those of `chunk`'s forward (`forward`) or backward.
    func ensure(chunk: Int, forward: Bool) {
        let last = end[Self.key(chunk: chunk, forward: forward)] ?? 0
        while done < last { packNext() }
    }

    /// Drops every pack (the weights are about to change); the next step packs again.
    func drop() {
        for job in jobs { job.dense.dropWeightPacks() }
        done = 0
    }
}
