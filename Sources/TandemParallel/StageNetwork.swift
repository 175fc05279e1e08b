import TandemComm
import TandemModel
import TandemTensor

/// The dense layers of one pipeline stage as one tensor-parallel rank holds them (a
/// `ShardLayout`), with activations kept per micro-batch so a pipeline schedule can have
/// several micro-batches in flight.
///
/// Shapes: stage input `[rows, inputWidth]`, stage output `[rows, outputWidth]` (both whole:
/// a stage never starts on a row-parallel layer and gathers a final column-parallel output).
/// Per dense layer j: local W `[outLocal, inLocal]`; column-parallel: y_l = x W_l^T + b_l
/// `[rows, outLocal]`, and in backward dx = allreduce_tp(dy_l W_l); row-parallel: y =
/// allreduce_tp(x_l W_l^T) + b `[rows, out]`, dx_l = dy W_l. Activation and dropout follow every
/// dense layer but the network's last, on whatever part of the features the rank holds.
public final class StageNetwork {
    public let layout: ShardLayout
    /// This rank's parameters and gradients (its shard only).
    public let arena: ParameterArena
    let tp: Communicator
    let activation: Activation
    let dropout: Float
    /// Index of the network's final dense layer (no activation after it).
    let finalLayer: Int
    /// Whole width of the stage input.
    public let inputWidth: Int
    /// Whole width of the stage output.
    public let outputWidth: Int
    private var capacity = 0
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    /// Micro-batches whose activations are held now, and the most held at once.
    public private(set) var inFlight = 0
    public private(set) var maxInFlight = 0
    private var scratchA = FloatBuffer(count: 0)
    private var scratchB = FloatBuffer(count: 0)
    private var dxScratch: [FloatBuffer] = []

    /// Activations of one micro-batch.
    final class Slot {
        var rows = 0
        var context = ForwardContext(training: false)
        let input: FloatBuffer
        /// Per layer: dense output (local part), gathered output, activation, dropout mask and output.
        var dense: [FloatBuffer] = []
        var gathered: [FloatBuffer?] = []
        var activated: [FloatBuffer?] = []
        var mask: [FloatBuffer?] = []
        var dropped: [FloatBuffer?] = []
        let outputGradient: FloatBuffer
        let inputGradient: FloatBuffer
        /// Sends from this slot's buffers still in flight.
        var pending: [PendingSend] = []

        init(input: Int, output: Int) {
            self.input = FloatBuffer(count: input)
            outputGradient = FloatBuffer(count: output)
            inputGradient = FloatBuffer(count: input)
        }
    }

    /// `tp`: the tensor-parallel group (size `layout.tp`, this rank at `layout.tpRank`).
    public init(layout: ShardLayout, tp: Communicator, activation: Activation, dropout: Double) {
        self.layout = layout
        self.tp = tp
        self.activation = activation
        self.dropout = Float(dropout)
        arena = ParameterArena(layout.slotSpecs)
        finalLayer = layout.widths.count - 2
        let first = layout.layers[0], last = layout.layers[layout.layers.count - 1]
        inputWidth = first.inFeatures
        outputWidth = last.outFeatures
    }

    /// Width of layer j's output as this rank holds it.
    private func width(_ j: Int) -> Int {
        let l = layout.layers[j]
        return l.gathersOutput ? l.outFeatures : l.outRange.count
    }

    private func hasActivation(_ j: Int) -> Bool { layout.layers[j].layer != finalLayer }

    /// Sets every buffer up for micro-batches of at most `rows` rows (drops held activations).
    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        capacity = rows
        slots = []
        freeSlots = []
        inFlight = 0
        let widest = layout.layers.indices.map { max(width($0), layout.layers[$0].outFeatures) }.max() ?? 1
        scratchA = FloatBuffer(count: rows * widest)
        scratchB = FloatBuffer(count: rows * widest)
        dxScratch = layout.layers.map { FloatBuffer(count: rows * $0.inRange.count) }
    }

    private func makeSlot() -> Slot {
        let slot = Slot(input: capacity * inputWidth, output: capacity * outputWidth)
        for (j, l) in layout.layers.enumerated() {
            let w = width(j)
            slot.dense.append(FloatBuffer(count: capacity * (l.split == .column ? l.outRange.count : l.outFeatures)))
            slot.gathered.append(l.gathersOutput ? FloatBuffer(count: capacity * l.outFeatures) : nil)
            slot.activated.append(hasActivation(j) ? FloatBuffer(count: capacity * w) : nil)
            slot.mask.append(hasActivation(j) && dropout > 0 ? FloatBuffer(count: capacity * w) : nil)
            slot.dropped.append(hasActivation(j) && dropout > 0 ? FloatBuffer(count: capacity * w) : nil)
        }
        return slot
    }

    /// Takes a free slot for a new micro-batch (waiting for sends still reading its buffers).
    public func acquire() throws -> Int {
        let index: Int
        if let f = freeSlots.popLast() {
            index = f
        } else {
            slots.append(makeSlot())
            index = slots.count - 1
        }
        for p in slots[index].pending { try p.wait() }
        slots[index].pending = []
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        return index
    }

    /// Returns a slot once its micro-batch's backward is done (or after a forward-only pass).
    public func release(_ index: Int) {
        freeSlots.append(index)
        inFlight -= 1
    }

    /// Waits for every send still in flight from any slot.
    public func waitForSends() throws {
        for s in slots {
            for p in s.pending { try p.wait() }
            s.pending = []
        }
    }

    /// Where to put slot `index`'s stage input `[rows, inputWidth]` before `forward`.
    public func input(_ index: Int) -> UnsafeMutablePointer<Float> { slots[index].input.base }

    /// Where to put d loss / d stage output `[rows, outputWidth]` before `backward`.
    public func outputGradient(_ index: Int) -> UnsafeMutablePointer<Float> { slots[index].outputGradient.base }

    /// d loss / d stage input `[rows, inputWidth]` after `backward(needInputGradient: true)`.
    public func inputGradient(_ index: Int) -> UnsafeMutablePointer<Float> { slots[index].inputGradient.base }

    /// Keeps `send` (reading this slot's buffers) until the slot is reused.
    public func hold(_ send: PendingSend, in index: Int) { slots[index].pending.append(send) }

    private func output(of slot: Slot, _ j: Int) -> UnsafeMutablePointer<Float> {
        if let d = slot.dropped[j], slot.context.training { return d.base }
        if let a = slot.activated[j] { return a.base }
        if let g = slot.gathered[j] { return g.base }
        return slot.dense[j].base
    }

    /// Runs the stage on slot `index`'s input of `rows` rows; returns the output
    /// `[rows, outputWidth]`, valid until the slot is released. Every rank of the
    /// tensor-parallel group must call it with the same `rows`.
    public func forward(_ index: Int, rows: Int, context: ForwardContext) throws -> UnsafeMutablePointer<Float> {
        precondition(rows <= capacity, "StageNetwork.forward: \(rows) rows, reserved \(capacity)")
        let slot = slots[index]
        slot.rows = rows
        slot.context = context
        var x = UnsafePointer(slot.input.base)
        for (j, l) in layout.layers.enumerated() {
            let w = UnsafePointer(arena.params.base + arena.slots[2 * j].offset)
            let b = UnsafePointer(arena.params.base + arena.slots[2 * j + 1].offset)
            let z = slot.dense[j].base
            let outLocal = l.split == .column ? l.outRange.count : l.outFeatures
            if rows > 0 {
                sgemm(.none, .transposed, m: rows, n: outLocal, k: l.inRange.count, a: x, b: w, c: z)
            }
            if l.split == .row { try tp.allreduceSum(z, count: rows * outLocal) }
            if rows > 0 { Elementwise.addBias(z, b, rows: rows, cols: outLocal) }
            var y = z
            if l.gathersOutput, let g = slot.gathered[j] {
                try gatherColumns(z, into: g.base, rows: rows, layer: l)
                y = g.base
            }
            if let a = slot.activated[j] {
                activation.forward(y, a.base, count: rows * width(j))
                y = a.base
                if context.training, let m = slot.mask[j], let d = slot.dropped[j] {
                    let columns = l.split == .column && !l.gathersOutput ? l.outRange : 0..<l.outFeatures
                    Dropout.fillMask(m.base, rows: rows, columns: columns, rate: dropout, layerKey: UInt64(l.layer), context: context)
                    for i in 0..<(rows * width(j)) { d.base[i] = a.base[i] * m.base[i] }
                    y = d.base
                }
            }
            x = UnsafePointer(y)
        }
        return output(of: slot, layout.layers.count - 1)
    }

    /// All-gathers a column-parallel output `[rows, outLocal]` from every tensor-parallel rank
    /// into the whole `[rows, outFeatures]`.
    private func gatherColumns(_ local: UnsafeMutablePointer<Float>, into full: UnsafeMutablePointer<Float>, rows: Int, layer l: LayerShard) throws {
        let all = try tp.allgatherv(Array(UnsafeBufferPointer(start: local, count: rows * l.outRange.count)))
        var offset = 0
        for r in 0..<layout.tp {
            let cols = EvenSplit.range(total: l.outFeatures, parts: layout.tp, index: r)
            for row in 0..<rows {
                for c in 0..<cols.count { full[row * l.outFeatures + cols.lowerBound + c] = all[offset + row * cols.count + c] }
            }
            offset += rows * cols.count
        }
    }

    /// Backpropagates slot `index`'s `outputGradient` through its last forward, accumulating
    /// into `arena.grads`; with `needInputGradient` also writes `inputGradient(index)`.
    public func backward(_ index: Int, needInputGradient: Bool) throws {
        let slot = slots[index]
        let rows = slot.rows
        var dy = UnsafePointer(slot.outputGradient.base)
        var x: [UnsafePointer<Float>] = [UnsafePointer(slot.input.base)]
        for j in 0..<(layout.layers.count - 1) { x.append(UnsafePointer(output(of: slot, j))) }
        for j in stride(from: layout.layers.count - 1, through: 0, by: -1) {
            let l = layout.layers[j]
            let n = rows * width(j)
            var g = dy
            if slot.context.training, let m = slot.mask[j], slot.dropped[j] != nil {
                for i in 0..<n { scratchA.base[i] = dy[i] * m.base[i] }
                g = UnsafePointer(scratchA.base)
            }
            if let a = slot.activated[j] {
                let pre = UnsafePointer(slot.gathered[j]?.base ?? slot.dense[j].base)
                activation.backward(x: pre, y: UnsafePointer(a.base), dy: g, dx: scratchB.base, count: n)
                g = UnsafePointer(scratchB.base)
            }
            let outLocal = l.split == .column ? l.outRange.count : l.outFeatures
            if l.gathersOutput {
                let target = g == UnsafePointer(scratchA.base) ? scratchB.base : scratchA.base
                for row in 0..<rows {
                    (target + row * outLocal).update(from: g + row * l.outFeatures + l.outRange.lowerBound, count: outLocal)
                }
                g = UnsafePointer(target)
            }
            let wOffset = arena.slots[2 * j].offset, bOffset = arena.slots[2 * j + 1].offset
            let inLocal = l.inRange.count
            if rows > 0 {
                sgemm(.transposed, .none, m: outLocal, n: inLocal, k: rows, a: g, b: x[j], beta: 1, c: arena.grads.base + wOffset)
                Elementwise.addColumnSums(g, into: arena.grads.base + bOffset, rows: rows, cols: outLocal)
            }
            guard j > 0 || needInputGradient else { continue }
            let dx = j == 0 ? slot.inputGradient.base : dxScratch[j].base
            if rows > 0 {
                sgemm(.none, .none, m: rows, n: inLocal, k: outLocal, a: g, b: UnsafePointer(arena.params.base + wOffset), c: dx)
            }
            if l.split == .column { try tp.allreduceSum(dx, count: rows * inLocal) }
            dy = UnsafePointer(dx)
        }
    }
}
