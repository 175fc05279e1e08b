import Foundation

/// "Nice" axis ticks (after Heckbert): steps of 1, 2 or 5 times a power of ten, an axis range
/// widened to whole steps (the candidate step that wastes the least range wins), and labels with
/// just enough decimals.
public struct AxisTicks: Sendable, Equatable {
    /// The tick values, ascending, from `lower` to `upper` inclusive.
    public let values: [Double]
    /// The distance between ticks.
    public let step: Double
    /// The axis range, a whole number of steps.
    public let lower, upper: Double

    /// Ticks covering `min...max` with about `count` (at least 2) ticks. Equal or non-finite
    /// bounds are widened first. With `integer` the step is at least 1 (for steps and epochs).
    public init(min lo: Double, max hi: Double, count: Int = 6, integer: Bool = false) {
        var a = lo.isFinite ? lo : 0, b = hi.isFinite ? hi : 1
        if a > b { swap(&a, &b) }
        if a == b {
            let pad = a == 0 ? 1 : abs(a) * 0.1
            a -= pad
            b += pad
        }
        // Candidate steps around the ideal one; keep the one whose ticks cover the data most
        // tightly, with a small penalty per tick away from `count` (ties go to the larger step).
        let target = Swift.max(count, 2)
        let ideal = AxisTicks.niceNumber((b - a) / Double(target - 1), round: true)
        var best: (score: Double, step: Double, first: Double, last: Double)?
        for candidate in [AxisTicks.adjacent(ideal, up: true), ideal, AxisTicks.adjacent(ideal, up: false)] {
            let step = integer ? Swift.max(candidate, 1) : candidate
            let first = (a / step).rounded(.down), last = Swift.max((b / step).rounded(.up), first + 1)
            let ticks = Int(last - first) + 1
            let score = (b - a) / ((last - first) * step) - 0.05 * Double(abs(ticks - target))
            if best == nil || score > (best?.score ?? 0) + 1e-12 { best = (score, step, first, last) }
        }
        let chosen = best ?? (0, 1, a.rounded(.down), b.rounded(.up))
        let step = chosen.step
        values = (0...Swift.max(Int(chosen.last - chosen.first), 1)).map { i in
            let v = (chosen.first + Double(i)) * step
            return v == 0 ? 0 : v  // no "-0"
        }
        self.step = step
        lower = values.first ?? a
        upper = values.last ?? b
    }

    /// The nice number (1, 2, 5 or 10 times a power of ten) nearest `x` when `round`, else the
    /// smallest one at least `x`. `niceNumber(0.37, round: true)` is 0.5.
    public static func niceNumber(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = (log10(x)).rounded(.down)
        let power = pow(10, exponent)
        let fraction = x / power
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }

    /// The next larger (`up`) or smaller step of the 1-2-5 sequence: 2 -> 5 or 1, 5 -> 10 or 2.
    static func adjacent(_ step: Double, up: Bool) -> Double {
        let power = pow(10, log10(step).rounded(.down))
        let mantissa = (step / power).rounded()
        switch (mantissa, up) {
        case (1, true): return 2 * power
        case (2, true): return 5 * power
        case (5, true): return 10 * power
        case (1, false): return 0.5 * power
        case (2, false): return power
        default: return 2 * power
        }
    }

    /// The label of tick `value`: decimals to the step's precision (`0.25` -> `0.25`, step 0.1 ->
    /// `0.3`), thousands as `k` and millions as `M` (`20k`, `1.5M`), scientific for tiny steps.
    public func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = Swift.max(abs(lower), abs(upper))
        for (scale, suffix, from) in [(1e9, "G", 1e9), (1e6, "M", 1e6), (1e3, "k", 1e4)] where magnitude >= from {
            return AxisTicks.fixed(value / scale, step: step / scale) + suffix
        }
        if step < 1e-4 { return String(format: "%.1e", value) }
        return AxisTicks.fixed(value, step: step)
    }

    private static func fixed(_ value: Double, step: Double) -> String {
        let decimals = Swift.max(0, Int(-(log10(step) + 1e-9).rounded(.down)))
        return String(format: "%.\(decimals)f", value)
    }
}
