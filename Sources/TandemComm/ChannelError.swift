import TandemTensor

/// A message a `SharedMemoryChannel` cannot carry, or a window it cannot use.
public struct ChannelError: KindedError, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// A message of `count` floats to rank `peer`, above the `capacity` floats a slot holds.
        case tooLarge(count: Int, capacity: Int, peer: Int)
        /// A receive of `expected` floats from rank `peer` with `tag` found a message of `got`.
        case lengthMismatch(expected: Int, got: Int, peer: Int, tag: Int)
        /// Rank `peer` was not set up to send to or receive from rank `rank`.
        case notConnected(rank: Int, peer: Int)
        /// Rank `rank`'s segment of the window holds `bytes` bytes; the channel needs `needed`.
        case segmentTooSmall(rank: Int, bytes: Int, needed: Int)
        /// The channel was used after `free()`.
        case freed
    }

    public let reason: Reason
    /// The world rank of the process that found it.
    public let rank: Int

    public init(_ reason: Reason, rank: Int = MPIRuntime.worldRank) {
        self.reason = reason
        self.rank = rank
    }

    /// `.environment`: a broken window or a peer that sends what the schedule does not say.
    public var kind: FailureKind { .environment }

    public var description: String {
        let text: String
        switch reason {
        case .tooLarge(let count, let capacity, let peer):
            text = "a message of \(count) floats to rank \(peer) exceeds the \(capacity) floats of a slot"
        case .lengthMismatch(let expected, let got, let peer, let tag):
            text = "expected \(expected) floats from rank \(peer) (tag \(tag)), got \(got)"
        case .notConnected(let me, let peer):
            text = "rank \(me) has no mailbox to or from rank \(peer)"
        case .segmentTooSmall(let r, let bytes, let needed):
            text = "rank \(r)'s segment holds \(bytes) bytes, \(needed) needed"
        case .freed:
            text = "used after free()"
        }
        return "shared-memory channel on rank \(rank): \(text)"
    }
}
