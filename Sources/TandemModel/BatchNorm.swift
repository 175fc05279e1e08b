import TandemTensor

/// Batch normalization (Ioffe & Szegedy 2015) over the global batch, as PyTorch's SyncBatchNorm:
/// y = gamma (x - mean) / sqrt(var + eps) + beta per feature.
///
/// Shapes: x, y, dy, dx `[rows, features]` (the features this rank holds: a column-parallel
/// shard's, or all); gamma, beta, running mean and running variance `[features]` in the arena.
///
/// Training: mean and (biased) variance are taken over the rows of every data-parallel replica
/// (`replicas` sums per-feature sums and sums of squares, in doubles), so N ranks compute what
/// one rank computes on the whole batch; the running statistics move by `momentum` towards them
/// (the variance unbiased, n / (n - 1), as PyTorch). Backward recomputes the statistics from x
/// (nothing is kept per micro-batch) and sums dy and dy x over the replicas in one more
/// reduction: dx = gamma / sigma (dy - mean(dy) - xhat mean(dy xhat)). Inference uses the
/// running statistics: an affine map per feature, no communication.
public final class BatchNorm: Layer {
    public let inFeatures: Int
    public var outFeatures: Int { inFeatures }
    public let outputColumns: Range<Int>
    public let momentum: Double = 0.1
    public let epsilon: Double = 1e-5
    let arena: ParameterArena
    let weightOffset: Int, biasOffset: Int, meanOffset: Int, varianceOffset: Int
    let replicas: SumReducer?
    /// Sums: forward [2F + 1] (x, x^2, rows); backward [4F + 1] (x, x^2, dy, dy x, rows) then the
    /// local dy and dy x [2F].
    private let sums: UnsafeMutablePointer<Double>
    /// Per feature: the mean and 1 / sigma used, then y = x * scale + shift.
    private let mean: UnsafeMutablePointer<Double>, invStd: UnsafeMutablePointer<Double>

    /// `weight`, `bias`, `runningMean`, `runningVar`: `[features]` slots of `arena`, contiguous
    /// in this order; `columns`: which of the whole layer's features x holds; `replicas`: the sum
    /// over the data-parallel replicas (nil on one replica).
    public init(arena: ParameterArena, weight: ParameterSlot, bias: ParameterSlot, runningMean: ParameterSlot, runningVar: ParameterSlot,
                columns: Range<Int>? = nil, replicas: SumReducer? = nil) {
        let f = weight.count
        precondition([bias, runningMean, runningVar].allSatisfy { $0.count == f }, "BatchNorm: slots of different sizes")
        precondition(bias.offset == weight.offset + f && runningMean.offset == bias.offset + f && runningVar.offset == runningMean.offset + f,
                     "BatchNorm: slots not contiguous")
        self.arena = arena
        inFeatures = f
        outputColumns = columns ?? 0..<f
        weightOffset = weight.offset
        biasOffset = bias.offset
        meanOffset = runningMean.offset
        varianceOffset = runningVar.offset
        self.replicas = replicas
        sums = .allocate(capacity: 6 * f + 1)
        mean = .allocate(capacity: max(f, 1))
        invStd = .allocate(capacity: max(f, 1))
    }

    deinit {
        sums.deallocate()
        mean.deallocate()
        invStd.deallocate()
    }

    /// gamma, beta, running mean, running variance (the last two never receive gradient).
    public var parameterRange: Range<Int> { weightOffset..<(varianceOffset + inFeatures) }

    /// Global statistics of x: `mean`, `invStd` from the replicas' sums; returns the row count n.
    /// With `dy`, also the global sums of dy and dy x (in `sums[2F..<4F]`) and the local ones
    /// (in `sums[4F + 1..<6F + 1]`).
    private func statistics(_ x: UnsafePointer<Float>, dy: UnsafePointer<Float>?, rows: Int) throws -> Double {
        let f = inFeatures, s = sums
        let width = dy == nil ? 2 * f : 4 * f
        s.update(repeating: 0, count: width + 1)
        for r in 0..<rows {
            let xr = x + r * f
            for c in 0..<f {
                let v = Double(xr[c])
                s[c] += v
                s[f + c] += v * v
            }
            if let dy {
                let dr = dy + r * f
                for c in 0..<f {
                    let d = Double(dr[c])
                    s[2 * f + c] += d
                    s[3 * f + c] += d * Double(xr[c])
                }
            }
        }
        s[width] = Double(rows)
        if dy != nil { (s + 4 * f + 1).update(from: s + 2 * f, count: 2 * f) }
        try replicas?(s, width + 1)
        let n = s[width]
        for c in 0..<f {
            let m = n > 0 ? s[c] / n : 0
            let variance = n > 0 ? max(s[f + c] / n - m * m, 0) : 0
            mean[c] = m
            invStd[c] = 1 / (variance + epsilon).squareRoot()
        }
        return n
    }

    /// Running statistics as the mean and 1 / sigma (inference).
    private func runningStatistics() {
        let p = arena.params.base
        for c in 0..<inFeatures {
            mean[c] = Double(p[meanOffset + c])
            invStd[c] = 1 / (Double(p[varianceOffset + c]) + epsilon).squareRoot()
        }
    }

    public func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>?,
                        rows: Int, context: ForwardContext) throws {
        let f = inFeatures, p = arena.params.base
        if context.training {
            let n = try statistics(x, dy: nil, rows: rows)
            if n > 0 {
                let s = sums
                for c in 0..<f {
                    let biased = max(s[f + c] / n - mean[c] * mean[c], 0)
                    let unbiased = n > 1 ? biased * n / (n - 1) : biased
                    p[meanOffset + c] = Float((1 - momentum) * Double(p[meanOffset + c]) + momentum * mean[c])
                    p[varianceOffset + c] = Float((1 - momentum) * Double(p[varianceOffset + c]) + momentum * unbiased)
                }
            }
        } else {
            runningStatistics()
        }
        for c in 0..<f {
            let scale = Double(p[weightOffset + c]) * invStd[c]
            sums[c] = scale
            sums[f + c] = Double(p[biasOffset + c]) - mean[c] * scale
        }
        for r in 0..<rows {
            let xr = x + r * f, yr = y + r * f
            for c in 0..<f { yr[c] = Float(Double(xr[c]) * sums[c] + sums[f + c]) }
        }
    }

    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
                         saved: UnsafePointer<Float>?, rows: Int, context: ForwardContext, gradientsReady: (Range<Int>) -> Void) throws {
        let f = inFeatures, p = arena.params.base, g = arena.grads.base
        let s = sums
        var n = 0.0
        if context.training {
            n = try statistics(x, dy: dy, rows: rows)
            // d gamma = sum over local rows of dy xhat = (sum dy x - mean sum dy) / sigma.
            for c in 0..<f {
                let localDy = s[4 * f + 1 + c], localDyX = s[5 * f + 1 + c]
                g[weightOffset + c] += Float((localDyX - mean[c] * localDy) * invStd[c])
                g[biasOffset + c] += Float(localDy)
            }
        } else {
            runningStatistics()
            for c in 0..<f { s[c] = 0; s[f + c] = 0 }
            for r in 0..<rows {
                let xr = x + r * f, dr = dy + r * f
                for c in 0..<f {
                    s[c] += Double(dr[c]) * (Double(xr[c]) - mean[c]) * invStd[c]
                    s[f + c] += Double(dr[c])
                }
            }
            for c in 0..<f {
                g[weightOffset + c] += Float(s[c])
                g[biasOffset + c] += Float(s[f + c])
            }
        }
        gradientsReady(parameterRange)
        guard let dx else { return }
        if context.training && n > 0 {
            for c in 0..<f {
                // Per feature: dx = a (dy - b) - xhat c with a = gamma / sigma, b = mean(dy),
                // c = a mean(dy xhat), kept in s[c], s[f + c], s[2f + c] (the sums are used up).
                let sumDy = s[2 * f + c], sumDyX = s[3 * f + c]
                let sumDyXhat = (sumDyX - mean[c] * sumDy) * invStd[c]
                let a = Double(p[weightOffset + c]) * invStd[c]
                s[c] = a
                s[f + c] = sumDy / n
                s[2 * f + c] = a * sumDyXhat / n
            }
            for r in 0..<rows {
                let xr = x + r * f, dr = dy + r * f, out = dx + r * f
                for c in 0..<f {
                    let xhat = (Double(xr[c]) - mean[c]) * invStd[c]
                    out[c] = Float(s[c] * (Double(dr[c]) - s[f + c]) - xhat * s[2 * f + c])
                }
            }
        } else {
            for r in 0..<rows {
                let dr = dy + r * f, out = dx + r * f
                for c in 0..<f { out[c] = Float(Double(dr[c]) * Double(p[weightOffset + c]) * invStd[c]) }
            }
        }
    }
}
