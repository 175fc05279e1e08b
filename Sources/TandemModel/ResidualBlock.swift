import TandemTensor

/// A residual block of layers: y = x + branch(x), where `branch` is a sequence of layers from
/// `features` back to `features` (in a ResNet for tables, Norm -> Dense -> Act -> Dropout ->
/// Dense -> Dropout, Gorishniy et al. 2021). The block is one layer of a stage, so under
/// pipeline parallelism it never spans two stages.
///
/// Shapes: x, y, dy, dx `[rows, features]`. `saved` `[rows, savedFeatures]` holds, one
/// `[rows, k]` block after another, each branch layer's output and its own saved floats, so
/// several micro-batches can be in flight. The branch's parameters are contiguous in the arena
/// (`parameterRange`); they are reported ready once the whole branch has been backpropagated.
public final class ResidualBlock: Layer {
    public let branch: [any Layer]
    public let inFeatures: Int
    public var outFeatures: Int { inFeatures }
    public let savedFeatures: Int
    public let parameterRange: Range<Int>
    /// Gradients between branch layers (one backward at a time), `[rows, widest]` each.
    private var gradientA = FloatBuffer(count: 0)
    private var gradientB = FloatBuffer(count: 0)
    private var capacity = 0
    /// Floats per row before branch layer j's block in `saved`.
    private let starts: [Int]

    /// `branch` must chain from `features` back to `features`, its parameters contiguous.
    public init(branch: [any Layer]) {
        precondition(!branch.isEmpty && branch[0].inFeatures == branch[branch.count - 1].outFeatures, "ResidualBlock: the branch must map features to features")
        for (a, b) in zip(branch, branch.dropFirst()) { precondition(a.outFeatures == b.inFeatures, "ResidualBlock: the branch does not chain") }
        self.branch = branch
        inFeatures = branch[0].inFeatures
        var starts: [Int] = []
        var total = 0
        for l in branch {
            starts.append(total)
            total += l.outFeatures + l.savedFeatures
        }
        self.starts = starts
        savedFeatures = total
        let ranges = branch.map(\.parameterRange).filter { !$0.isEmpty }
        let lower = ranges.map(\.lowerBound).min() ?? 0, upper = ranges.map(\.upperBound).max() ?? 0
        precondition(ranges.reduce(0) { $0 + $1.count } == upper - lower, "ResidualBlock: the branch's parameters are not contiguous")
        parameterRange = lower..<upper
    }

    public func reserve(rows: Int) {
        for l in branch { l.reserve(rows: rows) }
        guard rows > capacity else { return }
        capacity = rows
        let widest = branch.map(\.inFeatures).max() ?? 1
        gradientA = FloatBuffer(count: rows * widest)
        gradientB = FloatBuffer(count: rows * widest)
    }

    /// Where branch layer j's output `[rows, out_j]` and its saved floats `[rows, saved_j]` sit
    /// in `saved` for `rows` rows: one block after another.
    private func output(_ j: Int, _ saved: UnsafeMutablePointer<Float>, rows: Int) -> UnsafeMutablePointer<Float> {
        saved + rows * starts[j]
    }

    private func savedOf(_ j: Int, _ saved: UnsafeMutablePointer<Float>, rows: Int) -> UnsafeMutablePointer<Float>? {
        branch[j].savedFeatures > 0 ? saved + rows * (starts[j] + branch[j].outFeatures) : nil
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) throws {
        guard let saved else { preconditionFailure("ResidualBlock: no saved buffer") }
        var h = x
        for (j, l) in branch.enumerated() {
            let out = output(j, saved, rows: rows)
            try l.forward(h, out, saved: savedOf(j, saved, rows: rows), rows: rows, context: context)
            h = UnsafePointer(out)
        }
        for i in 0..<(rows * inFeatures) { y[i] = x[i] + h[i] }
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext, gradientsReady: (Range<Int>) -> Void) throws {
        guard let saved else { preconditionFailure("ResidualBlock: no saved buffer") }
        reserve(rows: rows)
        let s = UnsafeMutablePointer(mutating: saved)
        var g = dy
        var spare = gradientA
        for j in stride(from: branch.count - 1, through: 0, by: -1) {
            let input = j == 0 ? x : UnsafePointer(output(j - 1, s, rows: rows))
            let out: UnsafeMutablePointer<Float>? = j > 0 || dx != nil ? spare.base : nil
            try branch[j].backward(x: input, y: output(j, s, rows: rows), dy: g, dx: out, saved: savedOf(j, s, rows: rows).map { UnsafePointer($0) },
                                   rows: rows, context: context, gradientsReady: { _ in })
            if let out { g = UnsafePointer(out) }
            spare = spare === gradientA ? gradientB : gradientA
        }
        gradientsReady(parameterRange)
        guard let dx else { return }
        for i in 0..<(rows * inFeatures) { dx[i] = dy[i] + g[i] }
    }
}
