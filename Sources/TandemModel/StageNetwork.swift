import TandemTensor

/// Runs a sequence of layers forward and backward: the whole model (data parallelism, export,
/// inference) or one pipeline stage's tensor-parallel shard of it. It is the only place the
/// layers of a model are run.
///
/// Each micro-batch in flight has a slot holding what its backward needs: every layer's output
/// `[rows, layer.outFeatures]`, every layer's saved floats `[rows, layer.savedFeatures]`, the
/// gradient of the stage output `[rows, outputWidth]` and of the stage input `[rows,
/// inputWidth]`. Slots are allocated for `capacity` rows by `reserve` and reused, so a step
/// allocates nothing; the gradients between layers use two shared buffers (one backward runs at
/// a time). A dense layer followed by a ReLU runs as one (`reluDense`).
///
/// Deferred weight gradients (`reserve(rows:batchRows:)`, Zero Bubble pipeline parallelism's
/// split of backward into B and W): `backward(keepingRowsAt:)` computes every dense layer's
/// bias gradient and input gradient only, keeping its input and its output gradient at the
/// micro-batch's row offset in buffers of the whole batch, and `weightGradients(rows:)` then
/// computes each dense layer's dW once over all rows (one product of `batchRows` rows instead of
/// one per micro-batch): the dW of one backward over the whole batch, bit for bit.
///
/// Shapes: stage input `[rows, inputWidth]`, stage output `[rows, outputWidth]`.
public final class StageNetwork {
    public let layers: [any Layer]
    /// `reluDense[j]`: layer j, a `Dense` followed by a ReLU (layer j + 1), which run as one:
    /// the bias and the ReLU in one pass after the product (forward), the ReLU's derivative and
    /// the bias gradient in one pass before the products (backward); the same bits as layer by
    /// layer. Nil for every other layer.
    private let reluDense: [Dense?]
    /// Width of the stage input (the first layer's input).
    public let inputWidth: Int
    /// Width of the stage output (the last layer's output).
    public let outputWidth: Int
    public private(set) var capacity = 0
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    /// Micro-batches whose activations are held now, and the most held at once.
    public private(set) var inFlight = 0
    public private(set) var maxInFlight = 0
    private var gradientA = FloatBuffer(count: 0)
    private var gradientB = FloatBuffer(count: 0)
    /// For deferred weight gradients, `kept[j]`: dense layer j's operands for the whole batch;
    /// nil for every other layer, or when nothing is deferred.
    private var kept: [KeptRows?] = []
    /// Rows of the whole batch the kept buffers hold (0: weight gradients are not deferred).
    public private(set) var batchCapacity = 0
    /// Blocks of the deferred weight gradients summed ahead (`weightGradientPiece`), with `kept`.
    private var pieces: WeightGradientPieces?

    /// A dense layer's input `[batchRows, inFeatures]` and output gradient (after the ReLU's
    /// derivative) `[batchRows, outFeatures]`, each micro-batch at its row offset.
    final class KeptRows {
        let dense: Dense
        let input: FloatBuffer
        let gradient: FloatBuffer

        init(dense: Dense, rows: Int) {
            self.dense = dense
            input = FloatBuffer(count: rows * dense.inFeatures)
            gradient = FloatBuffer(count: rows * dense.outFeatures)
        }
    }

    /// Activations of one micro-batch.
    final class Slot {
        var rows = 0
        var context = ForwardContext(training: false)
        var input: UnsafePointer<Float>?
        /// Where a stage that is not the first receives its input.
        let received: FloatBuffer
        let outputs: [FloatBuffer]
        let saved: [FloatBuffer?]
        let outputGradient: FloatBuffer
        let inputGradient: FloatBuffer

        init(layers: [any Layer], rows: Int, input: Int, output: Int) {
            received = FloatBuffer(count: rows * input)
            outputs = layers.map { FloatBuffer(count: rows * $0.outFeatures) }
            saved = layers.map { $0.savedFeatures > 0 ? FloatBuffer(count: rows * $0.savedFeatures) : nil }
            outputGradient = FloatBuffer(count: rows * output)
            inputGradient = FloatBuffer(count: rows * input)
        }
    }

    /// `layers` must chain: each layer's `outFeatures` is the next one's `inFeatures`.
    public init(layers: [any Layer]) {
        precondition(!layers.isEmpty, "StageNetwork: no layers")
        for (a, b) in zip(layers, layers.dropFirst()) {
            precondition(a.outFeatures == b.inFeatures, "StageNetwork: a layer of \(a.outFeatures) outputs feeds one of \(b.inFeatures) inputs")
        }
        self.layers = layers
        reluDense = layers.indices.map { j in
            guard j + 1 < layers.count, let dense = layers[j] as? Dense, let next = layers[j + 1] as? ActivationLayer,
                  next.function == .relu else { return nil }
            return dense
        }
        inputWidth = layers[0].inFeatures
        outputWidth = layers[layers.count - 1].outFeatures
    }

    /// Sets every buffer up for micro-batches of at most `rows` rows, and with `batchRows` above
    /// 0 for deferred weight gradients over batches of at most `batchRows` rows (each dense layer
    /// keeps `batchRows x (inFeatures + outFeatures)` floats). Growing drops the slots (call it
    /// between steps, with no micro-batch in flight).
    public func reserve(rows: Int, batchRows: Int = 0) {
        if batchRows > batchCapacity {
            batchCapacity = batchRows
            kept = layers.map { layer in (layer as? Dense).map { KeptRows(dense: $0, rows: batchRows) } }
            pieces = WeightGradientPieces(layers: kept.indices.reversed().compactMap { j in kept[j].map { (j, $0) } })
        }
        guard rows > capacity else { return }
        capacity = rows
        slots = []
        freeSlots = []
        inFlight = 0
        let widest = layers.map(\.inFeatures).max() ?? 1
        gradientA = FloatBuffer(count: rows * widest)
        gradientB = FloatBuffer(count: rows * widest)
        for l in layers { l.reserve(rows: rows) }
    }

    /// Takes a free slot for a new micro-batch.
    public func acquire() -> Int {
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        if let f = freeSlots.popLast() { return f }
        slots.append(Slot(layers: layers, rows: capacity, input: inputWidth, output: outputWidth))
        return slots.count - 1
    }

    /// Returns a slot once its micro-batch's backward is done (or after a forward-only pass).
    public func release(_ index: Int) {
        freeSlots.append(index)
        inFlight -= 1
    }

    /// Where a stage receives slot `index`'s input `[capacity, inputWidth]` from the previous stage.
    public func receiveBuffer(_ index: Int) -> UnsafeMutablePointer<Float> { slots[index].received.base }

    /// Where to put d loss / d stage output `[rows, outputWidth]` before `backward`.
    public func outputGradient(_ index: Int) -> UnsafeMutablePointer<Float> { slots[index].outputGradient.base }

    /// d loss / d stage input `[rows, inputWidth]` after `backward(needInputGradient: true)`.
    public func inputGradient(_ index: Int) -> UnsafeMutablePointer<Float> { slots[index].inputGradient.base }

    /// Runs the layers on `input` `[rows, inputWidth]` (which must stay valid until the slot's
    /// backward is done) into slot `index`; returns the output `[rows, outputWidth]`, valid until
    /// the slot is released. Under tensor parallelism every rank of the group calls it with the
    /// same `rows`.
    public func forward(_ index: Int, input: UnsafePointer<Float>, rows: Int, context: ForwardContext) throws -> UnsafeMutablePointer<Float> {
        precondition(rows <= capacity, "StageNetwork.forward: \(rows) rows, reserved \(capacity)")
        let slot = slots[index]
        slot.rows = rows
        slot.context = context
        slot.input = input
        var x = input
        var j = 0
        while j < layers.count {
            if let dense = reluDense[j] {
                let y = slot.outputs[j].base, relu = slot.outputs[j + 1].base
                dense.forwardProduct(x, y, rows: rows)
                dense.addBias(y, relu: relu, rows: rows)
                x = UnsafePointer(relu)
                j += 2
                continue
            }
            try layers[j].forward(x, slot.outputs[j].base, saved: slot.saved[j]?.base, rows: rows, context: context)
            x = UnsafePointer(slot.outputs[j].base)
            j += 1
        }
        return slot.outputs[layers.count - 1].base
    }

    /// Backpropagates slot `index`'s `outputGradient` through its last forward, accumulating
    /// into the layers' parameter gradients; with `needInputGradient` also writes
    /// `inputGradient(index)`. `gradientsReady` gets each layer's parameter range as soon as its
    /// gradients are complete (last layer first).
    ///
    /// With `keepingRowsAt` (the micro-batch's first row in the whole batch; needs
    /// `batchCapacity`) the dense layers' weight gradients are deferred to `weightGradients`:
    /// their operands are kept at that row offset instead, and `gradientsReady` is not called
    /// (`weightGradients` reports every layer).
    public func backward(_ index: Int, needInputGradient: Bool, keepingRowsAt rowOffset: Int? = nil,
                         gradientsReady: (Range<Int>) -> Void = { _ in }) throws {
        let slot = slots[index]
        guard let input = slot.input else { return }
        if let rowOffset {
            precondition(rowOffset + slot.rows <= batchCapacity, "StageNetwork.backward: rows up to \(rowOffset + slot.rows), kept \(batchCapacity)")
        }
        func ready(_ range: Range<Int>) { if rowOffset == nil { gradientsReady(range) } }
        var dy = UnsafePointer(slot.outputGradient.base)
        var spare = gradientA
        var j = layers.count - 1
        while j >= 0 {
            let x = j == 0 ? input : UnsafePointer(slot.outputs[j - 1].base)
            let dx: UnsafeMutablePointer<Float>? = j > 0 ? spare.base : needInputGradient ? slot.inputGradient.base : nil
            if j > 0, let dense = reluDense[j - 1], let dx {
                // The ReLU (layer j) and its dense layer (j - 1) as one: dx is the dense output's gradient.
                let denseInput = j == 1 ? input : UnsafePointer(slot.outputs[j - 2].base)
                let denseDy: UnsafeMutablePointer<Float>
                if let rowOffset, let k = kept[j - 1] {
                    denseDy = keep(k, input: denseInput, rows: slot.rows, at: rowOffset)
                    dense.backwardBias(y: x, dy: dy, kept: denseDy, rows: slot.rows)
                } else {
                    denseDy = dx
                    dense.backwardParameters(x: denseInput, y: x, reluDy: dy, dy: dx, rows: slot.rows)
                    gradientsReady(dense.parameterRange)
                }
                spare = spare === gradientA ? gradientB : gradientA
                let denseDx: UnsafeMutablePointer<Float>? = j > 1 ? spare.base : needInputGradient ? slot.inputGradient.base : nil
                if let denseDx {
                    dense.backwardInput(dy: denseDy, dx: denseDx, rows: slot.rows)
                    dy = UnsafePointer(denseDx)
                }
                spare = spare === gradientA ? gradientB : gradientA
                j -= 2
                continue
            }
            if let rowOffset, let k = kept[j] {
                let denseDy = keep(k, input: x, rows: slot.rows, at: rowOffset)
                k.dense.backwardBias(y: nil, dy: dy, kept: denseDy, rows: slot.rows)
                if let dx { k.dense.backwardInput(dy: denseDy, dx: dx, rows: slot.rows) }
            } else {
                try layers[j].backward(x: x, y: slot.outputs[j].base, dy: dy, dx: dx, saved: slot.saved[j].map { UnsafePointer($0.base) },
                                       rows: slot.rows, context: slot.context, gradientsReady: ready)
            }
            if let dx { dy = UnsafePointer(dx) }
            spare = spare === gradientA ? gradientB : gradientA
            j -= 1
        }
    }

    /// Copies a dense layer's input `[rows, inFeatures]` into `k` at `rowOffset`; returns where
    /// its output gradient `[rows, outFeatures]` goes.
    private func keep(_ k: KeptRows, input: UnsafePointer<Float>, rows: Int, at rowOffset: Int) -> UnsafeMutablePointer<Float> {
        (k.input.base + rowOffset * k.dense.inFeatures).update(from: input, count: rows * k.dense.inFeatures)
        return k.gradient.base + rowOffset * k.dense.outFeatures
    }

    /// The deferred weight gradients of every dense layer over the first `rows` rows of the
    /// batch, all kept by `backward(keepingRowsAt:)` since the last call: dW += dy^T x with dy
    /// `[rows, out]` and x `[rows, in]` (one chain over the rows in order per element). Then
    /// `gradientsReady` gets every layer's parameter range, last layer first.
    ///
    /// Blocks of dW already summed over the first rows (`weightGradientPiece`) are continued over
    /// the rest: the same bits.
    public func weightGradients(rows: Int, gradientsReady: (Range<Int>) -> Void = { _ in }) {
        precondition(rows <= batchCapacity, "StageNetwork.weightGradients: \(rows) rows, kept \(batchCapacity)")
        for j in layers.indices.reversed() {
            if let k = kept[j], pieces?.finish(index: j, rows: rows) != true {
                k.dense.backwardWeights(x: k.input.base, dy: k.gradient.base, rows: rows)
            }
            let range = layers[j].parameterRange
            if !range.isEmpty { gradientsReady(range) }
        }
    }

    /// Whether `weightGradientPiece` has a block of a deferred weight gradient left to start this step.
    public var hasWeightGradientPiece: Bool { pieces?.hasNext ?? false }

    /// Sums one block of rows of a dense layer's deferred dW over the first `rows` rows of the
    /// batch (kept by `backward(keepingRowsAt:)`, every one of them final), ahead of
    /// `weightGradients`, which continues it over the rest with the same bits: work for a stage
    /// that waits at the end of a step. False when no block is left or the kernel cannot.
    public func weightGradientPiece(rows: Int) -> Bool {
        precondition(rows <= batchCapacity, "StageNetwork.weightGradientPiece: \(rows) rows, kept \(batchCapacity)")
        return pieces?.next(rows: rows) ?? false
    }
}
