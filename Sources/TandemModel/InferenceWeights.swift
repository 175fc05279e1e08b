import TandemTensor

/// A network's dense weights transposed once for inference: W^T `[in, out]` per dense layer (in
/// `Network.denseLayers` order, residual blocks' layers included), made from the parameters as
/// they are when built and never written after. Networks loaded from the same parameters share
/// one (`Network.useInferenceWeights`), so a model keeps one transposed copy however many
/// predictors serve it. Empty where `sgemm` does not run Tandem's kernel (`TransposedOperand.make`).
public final class InferenceWeights: Sendable {
    /// Per dense layer: its W^T, or nil (no copy on this CPU).
    let transposed: [TransposedOperand?]

    /// W^T of every dense layer of `network`, from its parameters now.
    public init(_ network: Network) {
        transposed = network.denseLayers.map { d in
            TransposedOperand.make(UnsafePointer(d.arena.params.base + d.weightOffset), n: d.outFeatures, k: d.inFeatures)
        }
    }
}

extension Network {
    /// The dense layers in the order they run, those inside residual blocks included.
    public var denseLayers: [Dense] {
        layers.flatMap { layer -> [Dense] in
            if let d = layer as? Dense { return [d] }
            if let block = layer as? ResidualBlock { return block.branch.compactMap { $0 as? Dense } }
            return []
        }
    }

    /// Makes the forward pass read `weights`' W^T (built from this network, or from another one
    /// with the same spec and parameters) instead of packing W per call: the same bits, valid only
    /// while the parameters do not change (inference; `Predictor`).
    public func useInferenceWeights(_ weights: InferenceWeights) {
        let dense = denseLayers
        precondition(dense.count == weights.transposed.count, "Network: inference weights of another network")
        for (d, t) in zip(dense, weights.transposed) { d.useInferenceWeight(t) }
    }
}
