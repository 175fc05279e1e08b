/// Which normalization follows each hidden dense layer (`model.norm`).
public enum NormKind: String, Codable, Sendable, CaseIterable {
    /// No normalization (the default; the model is exactly the plain MLP).
    case none
    /// Batch normalization over the global batch (`BatchNorm`), with running statistics for inference.
    case batch
    /// Layer normalization over each row's features (`LayerNorm`).
    case layer

    /// Parameter tensors per normalized layer: weight and bias, plus running mean and variance
    /// for batch normalization.
    public var tensorNames: [String] {
        switch self {
        case .none: []
        case .layer: ["weight", "bias"]
        case .batch: ["weight", "bias", "running_mean", "running_var"]
        }
    }
}

/// Sums `count` doubles at the pointer elementwise over a group of ranks, in place (an MPI
/// allreduce supplied by the parallel layer; TandemModel makes no MPI calls of its own). Every
/// rank of the group calls it the same number of times with the same `count`.
public typealias SumReducer = (UnsafeMutablePointer<Double>, Int) throws -> Void

extension NetworkSpec {
    /// Whether dense layer `i` of an MLP is followed by a normalization (every hidden layer, when
    /// `norm` is set).
    public func normalizes(layer i: Int) -> Bool { residual == nil && norm != .none && i < widths.count - 2 }

    /// Biases a following batch normalization removes (a constant shift of each feature it
    /// normalizes): an MLP's hidden biases, a ResNet's input bias (and, without dropout, each
    /// block's output bias, which only shifts the residual stream). Their true gradient is zero,
    /// so training keeps them at zero (PyTorch's `bias=False` before BatchNorm) rather than let an
    /// optimizer that normalizes steps (Adam) turn float rounding into full-size updates, which
    /// would also make layouts differ by more than rounding.
    public var redundantBiases: [String] {
        guard norm == .batch else { return [] }
        if let r = residual { return ["input.bias"] + (dropout > 0 ? [] : (0..<r.blocks).map { "blocks.\($0).linear2.bias" }) }
        return (0..<(widths.count - 2)).map { "layers.\($0).bias" }
    }

    /// Arena name of tensor `tensor` (`weight`, `bias`, `running_mean`, `running_var`) of the
    /// normalization after dense layer `i`.
    public static func normName(layer i: Int, _ tensor: String) -> String { "layers.\(i).norm.\(tensor)" }
}
