/// A stage chunk's deferred weight gradients summed ahead, in blocks of dW rows, while the stage
/// waits for a message at the end of a pipeline step (Zero Bubble's W work filling the cool-down).
///
/// Each dense layer's dW `[out, in]` is cut into blocks of `blockRows` rows. `next(rows:)` sums
/// one block not yet started over the batch rows kept so far (0..<rows); `finish` completes every
/// block over the rest of the batch, continuing each element's chain from the partial sum
/// (`Dense.sumWeightGradient`), so dW has the bits of the one product over the whole batch. A
/// block is started at most once per step: every continuation reads and writes its block of dW
/// again (32-row pieces of a 1024 x 1024 weight gradient ran 1.84x slower per row than one
/// 256-row product).
final class WeightGradientPieces {
    /// dW rows per block: 8 tiles of the AVX-512 kernel's 12 rows (16 of AVX2's 6).
    static let blockRows = 96

    /// The dense layers (by their index in the chunk's layers) in the order blocks are taken: the
    /// last layer first, as `StageNetwork.weightGradients` runs them.
    private let layers: [(index: Int, kept: StageNetwork.KeptRows)]
    /// `summed[l][b]`: batch rows summed into block b of layer l's dW this step (0: not started).
    private var summed: [[Int]]

    init(layers: [(index: Int, kept: StageNetwork.KeptRows)]) {
        self.layers = layers
        summed = layers.map { [Int](repeating: 0, count: ($0.kept.dense.outFeatures + Self.blockRows - 1) / Self.blockRows) }
    }

    /// Whether a block is still to be started this step.
    var hasNext: Bool { summed.contains { $0.contains(0) } }

    /// Sums the next block not yet started over batch rows 0..<rows (those whose backward is
    /// done); false when there is none or the kernel cannot (nothing written).
    func next(rows: Int) -> Bool {
        guard rows > 0 else { return false }
        for (l, layer) in layers.enumerated() {
            guard let b = summed[l].firstIndex(of: 0) else { continue }
            let k = layer.kept, out = k.dense.outFeatures
            let outputs = (b * Self.blockRows)..<min((b + 1) * Self.blockRows, out)
            guard k.dense.sumWeightGradient(x: k.input.base, dy: k.gradient.base, rows: 0..<rows, outputs: outputs, resume: false) else {
                return false
            }
            summed[l][b] = rows
            return true
        }
        return false
    }

    /// Completes the dW of the chunk's layer `index` over batch rows 0..<rows, block by block,
    /// and starts its blocks afresh for the next step; false (nothing written) when none of its
    /// blocks was started this step: the caller runs the whole product.
    func finish(index: Int, rows: Int) -> Bool {
        guard let l = layers.firstIndex(where: { $0.index == index }), summed[l].contains(where: { $0 > 0 }) else { return false }
        let k = layers[l].kept, out = k.dense.outFeatures, s = summed[l]
        var b = 0
        while b < s.count {  // consecutive blocks summed as far: one call
            var e = b + 1
            while e < s.count && s[e] == s[b] { e += 1 }
            let from = s[b], outputs = (b * Self.blockRows)..<min(e * Self.blockRows, out)
            let done = k.dense.sumWeightGradient(x: k.input.base, dy: k.gradient.base, rows: from..<rows, outputs: outputs, resume: from > 0)
            precondition(done, "WeightGradientPieces.finish: the kernel that summed the first rows refused the rest")
            b = e
        }
        summed[l] = [Int](repeating: 0, count: s.count)
        return true
    }
}
