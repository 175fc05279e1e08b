import TandemComm
import TandemMetrics
import TandemModel
import TandemParallel
import TandemTensor

extension Trainer {
    /// A per-parameter buffer (`arena` layout) in the consolidated single-process layout, on
    /// world rank 0 (nil elsewhere). A collective under model parallelism.
    func consolidated(_ buffer: FloatBuffer) throws -> [Float]? {
        if let parallel { return try parallel.consolidate(buffer) }
        return isRoot ? buffer.array : nil
    }

    /// Loads a consolidated buffer (the same on every rank) into this rank's `buffer`.
    func distribute(_ whole: [Float], into buffer: FloatBuffer) {
        if let parallel {
            parallel.extract(whole, into: buffer)
        } else {
            whole.withUnsafeBufferPointer { w in if let b = w.baseAddress { buffer.base.update(from: b, count: buffer.count) } }
        }
    }

    /// The slots of the consolidated arena (names and shapes of the whole model).
    var wholeSlots: [ParameterSlot] { parallel?.fullSlots ?? arena.slots }

    /// Named tensors of a consolidated buffer.
    func tensors(_ whole: [Float], prefix: String = "") -> [NamedTensor] {
        wholeSlots.map { s in NamedTensor(name: prefix + s.name, shape: s.shape, values: Array(whole[s.offset..<(s.offset + s.count)])) }
    }

    /// The whole model's parameters as named tensors on world rank 0 (nil elsewhere).
    func consolidatedTensors() throws -> [NamedTensor]? {
        try consolidated(arena.params).map { tensors($0) }
    }

    /// `params_sha256` of the whole model, the same on every rank (rank 0 hashes the
    /// consolidated parameters and broadcasts the digest under model parallelism).
    func consolidatedSHA256(_ whole: [NamedTensor]?) throws -> String {
        guard parallel != nil else { return arena.sha256 }
        var digest = ""
        if let whole {
            let values = whole.flatMap(\.values)
            digest = values.withUnsafeBufferPointer { SHA256.hex($0) }
        }
        return String(decoding: try comm.broadcast(bytes: Array(digest.utf8)), as: UTF8.self)
    }

    /// Evaluation with every rank's help: data parallel, each rank predicts a block of rows;
    /// model parallel, each replica pushes its block through the pipeline and the last stage's
    /// tensor rank 0 contributes the outputs.
    func makeEvaluator() -> Evaluator {
        if let parallel {
            let head = self.head
            let dp = parallel.coordinates.dp, replicas = parallel.grid.dp
            let contributes = parallel.pipeline.isLast && parallel.coordinates.tp == 0
            return Evaluator(head: head, comm: comm, classes: data.classes) { split in
                let (start, length) = BatchPlan.slice(count: split.count, rank: dp, ranks: replicas)
                let chunk = 256
                parallel.stage.reserve(rows: chunk)
                let chunks = stride(from: 0, to: length, by: chunk).map { min(chunk, length - $0) }
                let width = head.outputs
                var raw = Matrix(rows: contributes ? length : 0, cols: width)
                try parallel.pipeline.infer(rows: chunks, load: { k, dst in
                    let first = start + k * chunk
                    split.encode(first..<(first + chunks[k]), into: dst)
                }, consume: { k, out in
                    guard contributes else { return }
                    for i in 0..<(chunks[k] * width) { raw.values[k * chunk * width + i] = out[i] }
                })
                return contributes ? head.probabilities(raw).values : []
            }
        }
        let network = self.network
        let head = self.head
        let comm = self.comm
        return Evaluator(head: head, comm: comm, classes: data.classes) { split in
            let (start, length) = BatchPlan.slice(count: split.count, rank: comm.rank, ranks: comm.size)
            guard length > 0, let network else { return [] }
            // Encoded and predicted in chunks, so memory follows the chunk, not the split.
            var out: [Float] = []
            out.reserveCapacity(length * head.probabilityWidth)
            var block = Matrix(rows: 0, cols: split.width)
            for first in stride(from: start, to: start + length, by: Self.evaluationChunk) {
                let n = min(Self.evaluationChunk, start + length - first)
                if block.rows != n { block = Matrix(rows: n, cols: split.width) }
                block.values.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { split.encode(first..<(first + n), into: b) } }
                out += head.probabilities(network.predict(block)).values
            }
            return out
        }
    }

    /// Rows encoded and predicted at once in evaluation.
    static let evaluationChunk = 4096

    /// " | tp 2 x pp 2, 8 micro-batches (1f1b), stage 0: layers 0-1, stage 1: layer 2" for the first log line.
    var parallelDescription: String {
        guard let p = parallel else { return "" }
        return " | tensor \(p.grid.tp) x pipeline \(p.grid.pp), \(p.microBatches) micro-batch\(p.microBatches == 1 ? "" : "es") (\(p.schedule.rawValue)), \(p.stageDescription)"
    }

    /// The model-parallel layout for summary.json, with the measured pipeline figures (the
    /// bubble averaged over the ranks, the most micro-batches any rank held). A collective.
    func parallelSummary(_ p: ParallelModel) throws -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("tensor", .int(p.grid.tp)), ("pipeline", .int(p.grid.pp)), ("data", .int(p.grid.dp)),
            ("micro_batches", .int(p.microBatches)), ("schedule", .string(p.schedule.rawValue)),
            ("stages", .array(p.plan.stages.map { r in .array(r.map { .int($0) }) })),
            ("theoretical_bubble", .number(PipelineSchedule.theoreticalBubble(stages: p.grid.pp, microBatches: p.microBatches))),
        ]
        if let r = pipelineReport {
            let bubble = try comm.allreduceSum([r.bubble])[0] / Double(comm.size)
            let held = try comm.allreduceMax([Double(r.maxHeld)])[0]
            fields.append(("measured_bubble", .number(bubble)))
            fields.append(("max_micro_batches_held", .int(Int(held))))
        }
        return .object(fields)
    }
}
