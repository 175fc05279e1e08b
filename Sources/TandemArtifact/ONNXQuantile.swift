import TandemData

/// The ONNX nodes (opset 13) of `QuantileTransform` for the numeric features fitted with
/// `scale: quantile`, in float32, agreeing with `tandem predict` to about 1e-6.
///
/// For the `F` such features (grids of `K` quantiles): `x` `[N, F]` is gathered from the imputed
/// input; the grid segment is found by counting the quantiles below `x` (Less / LessOrEqual
/// against the grid `[F, K]`, Cast, ReduceSum), as the forward and the backward interpolation
/// pick it; the segment's knots and slopes are gathered from flat tables `[F * K]`; the
/// probability `p` is interpolated from the segment's left knot and its complement `1 - p` from
/// the right knot (so both stay precise near 0); the ends clamp (`p = 0` at or below the first
/// quantile + 1e-7, `p = 1` above the last - 1e-7); then `Φ⁻¹` is AS 241 PPND7 (`PPND7`),
/// clipped to `±QuantileTransform.clip`. The result replaces those features' columns of `[N, W]`.
extension GraphBuilder {
    /// Appends the transform of the quantile columns of `x` `[N, width]`; returns the output's name.
    /// Throws `ArtifactError` when the grids differ in length (a preprocessing not fitted by tandem).
    mutating func quantileTransform(_ x: String, features: [FeatureTransform], width: Int) throws -> String {
        var columns: [Int] = [], grids: [[Double]] = []
        var position = 0
        for f in features {
            if f.kind == .numeric, let q = f.quantiles { columns.append(position); grids.append(q) }
            position += f.width
        }
        guard let k = grids.first?.count else { return x }
        guard grids.allSatisfy({ $0.count == k }), k >= 2 else {
            throw ArtifactError(.quantileGridLengths(grids.map(\.count)))
        }
        let n = grids.count
        let step = 1 / Double(k - 1)
        var grid: [Float] = [], slope: [Float] = [], next: [Float] = [], lower: [Float] = [], upperComplement: [Float] = []
        var low: [Float] = [], high: [Float] = [], base: [Float] = []
        for (i, q) in grids.enumerated() {
            base.append(Float(i * k))
            for s in 0..<k {
                grid.append(Float(q[s]))
                next.append(Float(q[min(s + 1, k - 1)]))
                let w = s + 1 < k ? q[s + 1] - q[s] : 0
                slope.append(w > 0 ? Float(step / w) : 0)
                lower.append(Float(Double(s) * step))
                upperComplement.append(Float(Double(k - 2 - s) * step))  // 1 - r[s + 1]
            }
            low.append(Self.lastFloat(below: q[0]))
            high.append(Self.firstFloat(above: q[k - 1]))
        }
        let p = "quantile"
        constant("\(p).columns", [n], columns.map(Float.init))
        constant("\(p).axis2", [1], [2])
        constant("\(p).grid", [n, k], grid)
        constant("\(p).grid_flat", [n * k], grid)
        constant("\(p).next_flat", [n * k], next)
        constant("\(p).slope_flat", [n * k], slope)
        constant("\(p).ref_flat", [n * k], lower)
        constant("\(p).comp_flat", [n * k], upperComplement)
        constant("\(p).base", [n], base)
        constant("\(p).low", [n], low)
        constant("\(p).high", [n], high)
        constant("\(p).zero", [], [0])
        constant("\(p).one", [], [1])
        constant("\(p).half", [], [0.5])
        constant("\(p).last_segment", [], [Float(k - 2)])
        let toInt = [ONNXProto.Attribute(name: "to", value: .int(7))]
        let toFloat = [ONNXProto.Attribute(name: "to", value: .int(1))]
        let columnIndex = node("Cast", ["\(p).columns"], "\(p).columns_i64", name: "\(p).columns_i64", attributes: toInt)
        let axis = node("Cast", ["\(p).axis2"], "\(p).axis2_i64", name: "\(p).axis2_i64", attributes: toInt)
        let xq = node("Gather", [x, columnIndex], "\(p).x", name: "\(p).gather_x", attributes: [.init(name: "axis", value: .int(1))])
        let x3 = node("Unsqueeze", [xq, axis], "\(p).x3", name: "\(p).unsqueeze")
        let noKeep = [ONNXProto.Attribute(name: "keepdims", value: .int(0))]

        /// The flat table index of the segment that `compare` counts (`#{grid op x} - 1`, clamped).
        func segment(_ compare: String, _ tag: String) -> String {
            let hits = node(compare, ["\(p).grid", x3], "\(p).\(tag).hits", name: "\(p).\(tag).hits")
            let ones = node("Cast", [hits], "\(p).\(tag).hits_f", name: "\(p).\(tag).hits_f", attributes: toFloat)
            let count = node("ReduceSum", [ones, axis], "\(p).\(tag).count", name: "\(p).\(tag).count", attributes: noKeep)
            let s = node("Sub", [count, "\(p).one"], "\(p).\(tag).s", name: "\(p).\(tag).s")
            let clamped = node("Clip", [s, "\(p).zero", "\(p).last_segment"], "\(p).\(tag).segment", name: "\(p).\(tag).clip")
            let flat = node("Add", [clamped, "\(p).base"], "\(p).\(tag).flat", name: "\(p).\(tag).flat")
            return node("Cast", [flat], "\(p).\(tag).index", name: "\(p).\(tag).index", attributes: toInt)
        }
        /// p from the segment's left knot and 1 - p from its right knot.
        func interpolate(_ index: String, _ tag: String) -> (p: String, complement: String) {
            func gather(_ table: String) -> String {
                node("Gather", ["\(p).\(table)_flat", index], "\(p).\(tag).\(table)", name: "\(p).\(tag).\(table)")
            }
            let q = gather("grid"), qn = gather("next"), slope = gather("slope"), r = gather("ref"), c = gather("comp")
            let left = node("Sub", [xq, q], "\(p).\(tag).left", name: "\(p).\(tag).left")
            let right = node("Sub", [qn, xq], "\(p).\(tag).right", name: "\(p).\(tag).right")
            let up = node("Mul", [slope, left], "\(p).\(tag).up", name: "\(p).\(tag).up")
            let down = node("Mul", [slope, right], "\(p).\(tag).down", name: "\(p).\(tag).down")
            return (node("Add", [up, r], "\(p).\(tag).p", name: "\(p).\(tag).p"),
                    node("Add", [down, c], "\(p).\(tag).pc", name: "\(p).\(tag).pc"))
        }
        let forward = interpolate(segment("LessOrEqual", "forward"), "forward")
        let backward = interpolate(segment("Less", "backward"), "backward")
        func average(_ a: String, _ b: String, _ tag: String) -> String {
            let sum = node("Add", [a, b], "\(p).\(tag).sum", name: "\(p).\(tag).sum")
            return node("Mul", [sum, "\(p).half"], "\(p).\(tag).mean", name: "\(p).\(tag).mean")
        }
        var prob = average(forward.p, backward.p, "p")
        var comp = average(forward.complement, backward.complement, "pc")
        // The ends: above the last quantile p = 1, at or below the first p = 0 (that one wins).
        let above = node("GreaterOrEqual", [xq, "\(p).high"], "\(p).above", name: "\(p).above")
        prob = node("Where", [above, "\(p).one", prob], "\(p).p_hi", name: "\(p).p_hi")
        comp = node("Where", [above, "\(p).zero", comp], "\(p).pc_hi", name: "\(p).pc_hi")
        let below = node("LessOrEqual", [xq, "\(p).low"], "\(p).below", name: "\(p).below")
        prob = node("Where", [below, "\(p).zero", prob], "\(p).p_end", name: "\(p).p_end")
        comp = node("Where", [below, "\(p).one", comp], "\(p).pc_end", name: "\(p).pc_end")
        let z = inverseNormalCDF(p: prob, complement: comp, prefix: "\(p).ppf")

        // Scatter back: every output column that is a quantile feature takes its z.
        var map = [Float](repeating: 0, count: width), isQuantile = [Float](repeating: 0, count: width)
        for (i, c) in columns.enumerated() { map[c] = Float(i); isQuantile[c] = 1 }
        constant("\(p).map", [width], map)
        constant("\(p).mask", [width], isQuantile)
        let mapIndex = node("Cast", ["\(p).map"], "\(p).map_i64", name: "\(p).map_i64", attributes: toInt)
        let spread = node("Gather", [z, mapIndex], "\(p).spread", name: "\(p).spread", attributes: [.init(name: "axis", value: .int(1))])
        let mask = node("Greater", ["\(p).mask", "\(p).half"], "\(p).mask_b", name: "\(p).mask_b")
        return node("Where", [mask, spread, x], "\(p).output", name: "\(p).output")
    }

    /// Φ⁻¹ of `p` given `p` and `1 - p` (both precise near 0), clipped to ±`QuantileTransform.clip`:
    /// Wichura's AS 241 PPND7, the single-precision form (positive coefficients, so float32
    /// evaluation does not cancel; within 1.4e-6 of the exact quantile for p >= 1e-7).
    mutating func inverseNormalCDF(p: String, complement: String, prefix: String) -> String {
        constant("\(prefix).eps", [], [Float(QuantileTransform.boundsThreshold)])
        constant("\(prefix).half", [], [0.5])
        constant("\(prefix).one", [], [1])
        constant("\(prefix).split", [], [0.425])
        constant("\(prefix).const1", [], [0.180625])
        constant("\(prefix).const2", [], [1.6])
        constant("\(prefix).clip_lo", [], [Float(-QuantileTransform.clip)])
        constant("\(prefix).clip_hi", [], [Float(QuantileTransform.clip)])
        /// Horner's rule: k[n-1] x^(n-1) + ... + k[0].
        func poly(_ k: [Float], _ x: String, _ tag: String) -> String {
            var acc = "\(prefix).\(tag).k\(k.count - 1)"
            constant(acc, [], [k[k.count - 1]])
            for i in stride(from: k.count - 2, through: 0, by: -1) {
                constant("\(prefix).\(tag).k\(i)", [], [k[i]])
                let m = node("Mul", [acc, x], "\(prefix).\(tag).m\(i)", name: "\(prefix).\(tag).m\(i)")
                acc = node("Add", [m, "\(prefix).\(tag).k\(i)"], "\(prefix).\(tag).a\(i)", name: "\(prefix).\(tag).a\(i)")
            }
            return acc
        }
        // Centre (|p - 1/2| <= 0.425): q = (p - (1 - p)) / 2, r = 0.180625 - q², z = q a(r) / b(r).
        let diff = node("Sub", [p, complement], "\(prefix).diff", name: "\(prefix).diff")
        let q = node("Mul", [diff, "\(prefix).half"], "\(prefix).q", name: "\(prefix).q")
        let q2 = node("Mul", [q, q], "\(prefix).q2", name: "\(prefix).q2")
        let r = node("Sub", ["\(prefix).const1", q2], "\(prefix).r", name: "\(prefix).r")
        let centreNumerator = node("Mul", [q, poly(PPND7.a, r, "a")], "\(prefix).centre_num", name: "\(prefix).centre_num")
        let centre = node("Div", [centreNumerator, poly(PPND7.b, r, "b")], "\(prefix).centre_z", name: "\(prefix).centre_z")
        // Tails: m = min(p, 1 - p) (at least 1e-7), s = sqrt(-log m) - 1.6, z = -c(s) / d(s), mirrored above 1/2.
        let small = node("Min", [p, complement], "\(prefix).m", name: "\(prefix).m")
        let floored = node("Max", [small, "\(prefix).eps"], "\(prefix).m_floor", name: "\(prefix).m_floor")
        let log = node("Log", [floored], "\(prefix).log", name: "\(prefix).log")
        let negLog = node("Neg", [log], "\(prefix).neg_log", name: "\(prefix).neg_log")
        let root = node("Sqrt", [negLog], "\(prefix).root", name: "\(prefix).root")
        let s = node("Sub", [root, "\(prefix).const2"], "\(prefix).s", name: "\(prefix).s")
        let tail = node("Div", [poly(PPND7.c, s, "c"), poly(PPND7.d, s, "d")], "\(prefix).tail_z", name: "\(prefix).tail_z")
        let mirrored = node("Neg", [tail], "\(prefix).tail_neg", name: "\(prefix).tail_neg")
        let lowerHalf = node("Less", [p, complement], "\(prefix).lower_half", name: "\(prefix).lower_half")
        let tailZ = node("Where", [lowerHalf, mirrored, tail], "\(prefix).tail_signed", name: "\(prefix).tail_signed")
        let distance = node("Abs", [q], "\(prefix).abs_q", name: "\(prefix).abs_q")
        let inCentre = node("LessOrEqual", [distance, "\(prefix).split"], "\(prefix).in_centre", name: "\(prefix).in_centre")
        let z = node("Where", [inCentre, centre, tailZ], "\(prefix).z", name: "\(prefix).z")
        return node("Clip", [z, "\(prefix).clip_lo", "\(prefix).clip_hi"], "\(prefix).clipped", name: "\(prefix).clip")
    }

    /// The largest float32 `f` with `Double(f) - 1e-7 < q`: `x <= f` in float32 is the
    /// transform's lower-end test for every float32 `x`.
    static func lastFloat(below q: Double) -> Float {
        var f = Float(q + QuantileTransform.boundsThreshold)
        while Double(f) - QuantileTransform.boundsThreshold >= q { f = f.nextDown }
        while Double(f.nextUp) - QuantileTransform.boundsThreshold < q { f = f.nextUp }
        return f
    }

    /// The smallest float32 `f` with `Double(f) + 1e-7 > q`: `x >= f` in float32 is the
    /// transform's upper-end test for every float32 `x`.
    static func firstFloat(above q: Double) -> Float {
        var f = Float(q - QuantileTransform.boundsThreshold)
        while Double(f) + QuantileTransform.boundsThreshold <= q { f = f.nextUp }
        while Double(f.nextDown) + QuantileTransform.boundsThreshold > q { f = f.nextDown }
        return f
    }
}

/// The coefficients of Wichura's algorithm AS 241 (Applied Statistics 37, 1988), PPND7: Φ⁻¹
/// to about 1e-7 in single precision. Lowest order first.
enum PPND7 {
    /// Centre numerator, in r = 0.180625 - q².
    static let a: [Float] = [3.3871327179, 50.434271938, 159.29113202, 59.109374720]
    /// Centre denominator.
    static let b: [Float] = [1, 17.895169469, 78.757757664, 67.187563600]
    /// Tail numerator, in s = sqrt(-log m) - 1.6 (m >= e^-25).
    static let c: [Float] = [1.4234372777, 2.7568153900, 1.3067284816, 0.17023821103]
    /// Tail denominator.
    static let d: [Float] = [1, 0.73700164250, 0.12021132975]
}
