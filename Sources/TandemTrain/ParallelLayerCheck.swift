import TandemComm
import TandemMetrics
import TandemModel
import TandemParallel
import TandemTensor

/// Checks the tensor-parallel layers against the single-process reference on the ranks of
/// `comm` (tensor parallelism over all of them): the reference network 13 -> 17 -> 11 -> 5
/// (tanh, dropout 0.2) on a batch of 7 rows is sharded as column -> row -> column (gathered);
/// forward outputs and every parameter gradient of each shard are compared with the
/// reference's. Odd sizes make the splits uneven for 2 and more ranks (remainder to the first).
///
/// Returns the largest relative differences (max |a - b| / max |b|) over the ranks, the same on
/// every rank. `tandem bench --verify-parallel` runs it under mpirun.
public enum ParallelLayerCheck {
    public static func run(comm: Communicator, widths: [Int] = [13, 17, 11, 5], rows: Int = 7) throws -> (output: Double, gradients: Double) {
        let spec = NetworkSpec(inputs: widths[0], hidden: Array(widths.dropFirst().dropLast()), outputs: widths[widths.count - 1],
                               activation: .tanh, dropout: 0.2, initScheme: .xavier)
        let reference = try Network(spec: spec)
        try Initializer.initialize(reference.arena, scheme: .xavier, seed: 11)
        for i in 0..<reference.arena.count { reference.arena.params.base[i] += 0.01 * Float(i % 7) }  // non-zero biases
        var rng = RandomGenerator(seed: 5)
        let x = FloatBuffer(count: rows * spec.inputs)
        for i in 0..<x.count { x.base[i] = Float(rng.nextNormal()) }
        let dOut = FloatBuffer(count: rows * spec.outputs)
        for i in 0..<dOut.count { dOut.base[i] = Float(rng.nextNormal()) }
        let context = ForwardContext(training: true, step: 3, rowOffset: 2, seed: 9)
        let expected = try reference.forward(x.base, rows: rows, context: context)
        reference.outputGradient.update(from: dOut.base, count: dOut.count)
        reference.arena.zeroGrads()
        try reference.backward()

        let plan = try StagePlan(balancing: [Int](repeating: 1, count: widths.count - 1), stages: 1)
        let layout = ShardLayout(widths: widths, plan: plan, stage: 0, tp: comm.size, tpRank: comm.rank)
        let arena = ParameterArena(layout.slotSpecs)
        let stage = StageNetwork(layers: try layout.makeLayers(spec: spec, arena: arena, tp: comm))
        layout.extract(from: reference.arena.params.base, into: arena.params.base)
        stage.reserve(rows: rows)
        let slot = stage.acquire()
        let out = try stage.forward(slot, input: x.base, rows: rows, context: context)
        let outputDiff = relative(out, expected, count: rows * spec.outputs)
        stage.outputGradient(slot).update(from: dOut.base, count: dOut.count)
        arena.zeroGrads()
        try stage.backward(slot, needInputGradient: false)
        stage.release(slot)
        let want = FloatBuffer(count: layout.localCount)
        layout.extract(from: reference.arena.grads.base, into: want.base)
        let gradDiff = relative(arena.grads.base, want.base, count: layout.localCount)
        let worst = try comm.allreduceMax([outputDiff, gradDiff])
        return (worst[0], worst[1])
    }

    private static func relative(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var diff: Float = 0, scale: Float = 0
        for i in 0..<count {
            diff = max(diff, abs(a[i] - b[i]))
            scale = max(scale, abs(b[i]))
        }
        return Double(diff / max(scale, 1e-30))
    }
}
