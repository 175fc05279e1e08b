import TandemComm
import TandemFormats
import TandemMetrics
import TandemModel
import TandemParallel
import TandemTensor

extension Trainer {
    /// A per-parameter buffer (`arena` layout) in the consolidated single-process layout, on
    /// world rank 0 (nil elsewhere). A collective when the model is split.
    func consolidated(_ buffer: FloatBuffer) throws -> [Float]? { try model.consolidate(buffer) }

    /// Loads a consolidated buffer (the same on every rank) into this rank's `buffer`.
    func distribute(_ whole: [Float], into buffer: FloatBuffer) { model.extract(whole, into: buffer) }

    /// The slots of the consolidated arena (names and shapes of the whole model).
    var wholeSlots: [ParameterSlot] { model.fullSlots }

    /// Named tensors of a consolidated buffer.
    func tensors(_ whole: [Float], prefix: String = "") -> [NamedTensor] {
        wholeSlots.map { s in NamedTensor(name: prefix + s.name, shape: s.shape, values: Array(whole[s.offset..<(s.offset + s.count)])) }
    }

    /// The whole model's parameters as named tensors on world rank 0 (nil elsewhere).
    func consolidatedTensors() throws -> [NamedTensor]? {
        try consolidated(arena.params).map { tensors($0) }
    }

    /// `params_sha256` of the whole model, the same on every rank: with one rank per replica the
    /// rank's own parameters; otherwise rank 0 hashes the consolidated parameters and broadcasts
    /// the digest.
    func consolidatedSHA256(_ whole: [NamedTensor]?) throws -> String {
        guard model.splitsModel else { return arena.sha256 }
        var digest = ""
        if let whole {
            let values = whole.flatMap(\.values)
            digest = values.withUnsafeBufferPointer { SHA256.hex($0) }
        }
        return String(decoding: try comm.broadcast(bytes: Array(digest.utf8)), as: UTF8.self)
    }

    /// Evaluation with every rank's help, the same for every layout: each data-parallel replica
    /// pushes its block of rows through the pipeline in chunks, and the last stage's tensor
    /// rank 0 contributes the outputs.
    func makeEvaluator() -> Evaluator {
        let model = self.model
        let head = self.head
        let dp = model.coordinates.dp, replicas = model.grid.dp
        let contributes = model.pipeline.isLast && model.coordinates.tp == 0
        return Evaluator(head: head, comm: comm, classes: data.classes) { split in
            let (start, length) = BatchPlan.slice(count: split.count, rank: dp, ranks: replicas)
            // The chunk sizes of the former whole-model and pipeline evaluations, kept so every
            // evaluation result stays bit-identical (GEMM blocking may depend on the row count).
            let chunk = model.splitsModel ? 256 : 1024
            model.pipeline.reserve(rows: min(chunk, max(length, 1)))
            let chunks = stride(from: 0, to: length, by: chunk).map { min(chunk, length - $0) }
            let width = head.outputs
            var raw = Matrix(rows: contributes ? length : 0, cols: width)
            // Rows are encoded chunk by chunk from the (possibly mapped) split, so memory follows
            // the chunk, not the split.
            let block = UnsafeMutablePointer<Float>.allocate(capacity: max(min(chunk, length), 1) * split.width)
            defer { block.deallocate() }
            try model.pipeline.infer(rows: chunks, input: { k in
                let first = start + k * chunk
                split.encode(first..<(first + chunks[k]), into: block)
                return UnsafePointer(block)
            }, consume: { k, out in
                guard contributes else { return }
                for i in 0..<(chunks[k] * width) { raw.values[k * chunk * width + i] = out[i] }
            })
            return contributes ? head.probabilities(raw).values : []
        }
    }

    /// Rows encoded at once by the exact solver.
    static let evaluationChunk = 4096

    /// " | tensor 2 x pipeline 2, 8 micro-batches (1f1b), stage 0: layers 0-1, stage 1: layer 2"
    /// for the first log line (empty with one rank per replica).
    var parallelDescription: String {
        guard model.splitsModel else { return "" }
        let p = model
        let v = p.plan.virtualStages
        return " | tensor \(p.grid.tp) x pipeline \(p.grid.pp)\(v > 1 ? " x \(v) virtual" : ""), \(p.microBatches) micro-batch\(p.microBatches == 1 ? "" : "es") (\(v > 1 ? "interleaved " : "")\(p.schedule.rawValue)), \(p.stageDescription)\(p.grid.pp > 1 ? ", stage messages through \(pipelineSharedMemory ? "shared memory" : "MPI")" : "")"
    }

    /// The model-parallel layout for summary.json, with the measured pipeline figures (the
    /// bubble averaged over the ranks, the most micro-batches any rank held). A collective.
    func parallelSummary(_ p: ParallelModel) throws -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("tensor", .int(p.grid.tp)), ("pipeline", .int(p.grid.pp)), ("data", .int(p.grid.dp)),
            ("micro_batches", .int(p.microBatches)), ("schedule", .string(p.schedule.rawValue)),
            ("virtual_stages", .int(p.plan.virtualStages)),
            ("stage_messages", .string(pipelineSharedMemory ? "shared_memory" : "mpi")),
            ("stages", .array(p.plan.stages.map { r in .array(r.map { .int($0) }) })),
            ("stage_cost_shares", .array(p.stageCostShares.map { .number($0) })),
            ("theoretical_bubble", .number(PipelineSchedule.theoreticalBubble(stages: p.grid.pp, microBatches: p.microBatches, virtualStages: p.plan.virtualStages))),
        ]
        if let predicted = p.predictedBubble { fields.append(("predicted_bubble", .number(predicted))) }
        if let r = pipelineReport {
            let bubble = try comm.allreduceSum([r.bubble])[0] / Double(comm.size)
            let held = try comm.allreduceMax([Double(r.maxHeld)])[0]
            fields.append(("measured_bubble", .number(bubble)))
            fields.append(("max_micro_batches_held", .int(Int(held))))
            // Seconds each stage spent in its layers (gathered from the first replica's tensor
            // rank 0 of each stage): the measurement the modelled cost shares are checked against.
            let grid = p.grid
            var layerSeconds = [Double](repeating: 0, count: grid.pp)
            if p.coordinates.dp == 0 && p.coordinates.tp == 0 { layerSeconds[p.coordinates.pp] = r.layerSeconds }
            layerSeconds = try comm.allreduceSum(layerSeconds)
            fields.append(("stage_layer_seconds", .array(layerSeconds.map { .number($0) })))
        }
        return .object(fields)
    }
}
