import TandemMetrics

/// The distribution of a run's step durations, for a throughput figure that one slow step (a
/// scheduler slice taken by another process, a VM stall) does not move: the median step.
///
/// A fixed log-scale histogram: 128 bins per power of two from 2^-30 s (about 1 ns) to 2^10 s,
/// each bin 1/128 of its octave wide, so a percentile is known to within 0.4% of its value (the
/// bin's middle is reported). A duration is binned from its float bits (exponent and the top 7
/// bits of the mantissa): `record` is a few integer operations and one increment into storage
/// allocated once, no allocation, no lock, no logarithm. Durations outside the range count in the
/// first or last bin; the largest is also kept exactly (`max`).
///
/// Saved in checkpoints with the training state (non-empty bins only), so a resumed run reports
/// the distribution over every step of the run, as `train_seconds` sums them.
public struct StepTimeHistogram: Equatable, Sendable {
    /// Bins per power of two: the top 7 bits of a Double's mantissa.
    static let binsPerOctave = 128
    static let mantissaShift: UInt64 = 52 - 7
    /// The first bin's octave: [2^-30, 2^-29) s. The last octave is [2^9, 2^10) s.
    static let lowestExponent = -30
    static let octaves = 40
    static let binCount = octaves * binsPerOctave
    /// The biased exponent field of 2^lowestExponent.
    private static let lowestBiased = UInt64(1023 + lowestExponent)

    /// Steps per bin `[binCount]`.
    private(set) var counts: [Int]
    /// Steps recorded.
    public private(set) var count = 0
    /// The longest step recorded, exactly (0 when none).
    public private(set) var max = 0.0

    /// An empty histogram (its storage allocated here, once).
    public init() { counts = [Int](repeating: 0, count: Self.binCount) }

    /// The bin holding `seconds`: below the range (zero, negative) the first, above it the last.
    @inline(__always) static func bin(_ seconds: Double) -> Int {
        let bits = seconds.bitPattern
        // Sign bit set (negative) or below the range: bin 0; the exponent field and the top 7
        // mantissa bits, as one number, count bins from 2^lowestExponent.
        let field = (bits >> mantissaShift) &- (lowestBiased << 7)
        if bits >> 63 != 0 || (bits >> 52) < lowestBiased { return 0 }
        return Int(Swift.min(field, UInt64(binCount - 1)))
    }

    /// The smallest duration in `bin` (seconds): 2^e x (1 + m/128).
    static func lowerEdge(_ bin: Int) -> Double {
        Double(bitPattern: (UInt64(bin) + (lowestBiased << 7)) << mantissaShift)
    }

    /// The middle of `bin` (seconds): what a percentile falling in it reports.
    static func middle(_ bin: Int) -> Double {
        (lowerEdge(bin) + lowerEdge(bin + 1)) / 2
    }

    /// Counts one step of `seconds`.
    @inline(__always) public mutating func record(_ seconds: Double) {
        counts[Self.bin(seconds)] &+= 1
        count &+= 1
        if seconds > max { max = seconds }
    }

    /// The `q`-quantile (0 < q <= 1) by nearest rank: the middle of the bin holding the
    /// ceil(q x count)-th shortest step; q = 1 gives `max` exactly. Nil when no step is recorded.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        if q >= 1 { return max }
        let rank = Swift.max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (bin, c) in counts.enumerated() where c > 0 {
            seen += c
            // The longest step is known exactly: never report more than it.
            if seen >= rank { return Swift.min(Self.middle(bin), max) }
        }
        return max
    }

    /// `{steps, median, p90, p99, max}` in seconds, or null when no step is recorded.
    public var summary: JSONValue {
        guard let median = quantile(0.5), let p90 = quantile(0.9), let p99 = quantile(0.99) else { return .null }
        return .object([("steps", .int(count)), ("median", .number(median)), ("p90", .number(p90)),
                        ("p99", .number(p99)), ("max", .number(max))])
    }

    /// The non-empty bins as (lower edge in seconds, steps), shortest first: the checkpoint form.
    var bins: [(lowerEdge: Double, steps: Int)] {
        counts.enumerated().filter { $0.element > 0 }.map { (Self.lowerEdge($0.offset), $0.element) }
    }

    /// The histogram of `bins` (as `bins` gives them) and `max`.
    init(bins: [(lowerEdge: Double, steps: Int)], max: Double) {
        self.init()
        for b in bins where b.steps > 0 {
            counts[Self.bin(b.lowerEdge)] += b.steps
            count += b.steps
        }
        self.max = max
    }
}

extension StepTimeHistogram: Codable {
    /// `{"bins": [[lower edge seconds, steps], ...], "max": seconds}`: self-describing, so a
    /// reader needs no knowledge of the bin layout (a bin's lower edge maps back to its bin).
    enum CodingKeys: String, CodingKey { case bins, max }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var list = try c.nestedUnkeyedContainer(forKey: .bins)
        var bins: [(lowerEdge: Double, steps: Int)] = []
        var total = 0
        // Counts in 0...2^53 and their sum checked, so no checkpoint can make `record` overflow.
        let limit = 1 << 53
        while !list.isAtEnd {
            var pair = try list.nestedUnkeyedContainer()
            let edge = try pair.decode(Double.self)
            let steps = try pair.decode(Int.self)
            guard edge.isFinite, (0...limit).contains(steps), total <= limit - steps else {
                throw DecodingError.dataCorruptedError(in: pair, debugDescription:
                    "step_times bin \(edge) holds \(steps) steps (after \(total)): counts must be in 0...2^53 in all")
            }
            total += steps
            bins.append((edge, steps))
        }
        let max = try c.decode(Double.self, forKey: .max)
        guard max.isFinite, max >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .max, in: c, debugDescription: "step_times max is \(max), not a finite non-negative number")
        }
        self.init(bins: bins, max: max)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var list = c.nestedUnkeyedContainer(forKey: .bins)
        for b in bins {
            var pair = list.nestedUnkeyedContainer()
            try pair.encode(b.lowerEdge)
            try pair.encode(b.steps)
        }
        try c.encode(max, forKey: .max)
    }
}
