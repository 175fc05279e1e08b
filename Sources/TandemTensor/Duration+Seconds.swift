/// Tandem measures every duration and rate (step times, samples/s, timeouts, benchmark
/// figures, request latencies) on `ContinuousClock`: monotonic, so a wall-clock change (NTP,
/// a suspended VM resetting its time) never makes a duration negative or fires a timeout.
/// `Date` is used only for timestamps written for people or files.
extension Duration {
    /// This duration in seconds.
    @inlinable public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}

extension ContinuousClock.Instant {
    /// Seconds from this instant until now.
    @inlinable public var secondsElapsed: Double { (ContinuousClock.now - self).seconds }
}
