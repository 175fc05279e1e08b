import CMPI
import Glibc

/// Point-to-point float messages between ranks of one node through an MPI-3 shared-memory
/// window: a send is a copy into the receiver's mailbox, a receive a copy out of it. No MPI call
/// moves a message, so nothing needs MPI progress while the ranks compute (OpenMPI advances a
/// large `MPI_Isend` only inside MPI calls of its sender).
///
/// Rank `r`'s segment of the window holds one `ChannelMailbox` per rank in `senders[r]` (in that
/// order), each of `slots` slots of `capacity` floats. Messages match by (sender, tag) exactly;
/// with the same tag they are taken in send order. A send waits while the receiver's mailbox is
/// full, so `slots` must cover the messages one rank can send another before it receives them
/// (`Pipeline` sizes it to a step's messages, which no schedule exceeds). A receive that waits
/// spins for `spin`, then sleeps on the mailbox's arrival counter (a futex, woken by the send:
/// no core and no timer while it waits); a send that finds the mailbox full checks again every
/// `nap`. Waits are reported to the communicator's watchdog, which ends a job whose peer is
/// stuck or dead.
public final class SharedMemoryChannel: @unchecked Sendable {
    /// This rank (in the communicator the channel was made on).
    public let rank: Int
    /// Most floats in one message.
    public let capacity: Int
    /// Message slots per mailbox.
    public let slots: Int
    private let comm: Communicator?
    private var window: MPI_Win?
    /// `inboxes[s]`: messages from rank `s` to this rank; `outboxes[r]`: from this rank to `r`.
    private var inboxes: [ChannelMailbox?]
    private var outboxes: [ChannelMailbox?]
    /// The sequence of the last message sent to each rank.
    private var sent: [Int64]
    private var freed = false

    /// The bytes of rank `r`'s segment, whose mailboxes hold the messages of `senders` (the ranks that send to `r`).
    public static func segmentBytes(senders: [Int], slots: Int, capacity: Int) -> Int {
        max(senders.count * ChannelMailbox.byteCount(slots: slots, capacity: capacity), 64)
    }

    /// This rank's end of a channel over memory the ranks share: `segments[r]` is rank `r`'s
    /// segment (`segmentBytes(senders: senders[r], ...)` bytes, 64-byte aligned), `senders[r]`
    /// the ranks that send to `r` (the same on every rank). The caller clears each rank's
    /// mailboxes once (`clear()` on its owner) before any rank sends. `comm` reports waits to its watchdog.
    public init(rank: Int, segments: [UnsafeMutableRawPointer], senders: [[Int]], slots: Int, capacity: Int, comm: Communicator? = nil) {
        precondition(segments.count == senders.count && slots > 0 && capacity > 0, "SharedMemoryChannel: \(segments.count) segments, \(senders.count) sender lists, \(slots) slots, capacity \(capacity)")
        self.rank = rank
        self.capacity = capacity
        self.slots = slots
        self.comm = comm
        let n = segments.count
        let bytes = ChannelMailbox.byteCount(slots: slots, capacity: capacity)
        inboxes = [ChannelMailbox?](repeating: nil, count: n)
        outboxes = [ChannelMailbox?](repeating: nil, count: n)
        sent = [Int64](repeating: 0, count: n)
        for r in 0..<n {
            for (i, s) in senders[r].enumerated() {
                let box = ChannelMailbox(base: segments[r] + i * bytes, slots: slots, capacity: capacity)
                if r == rank { inboxes[s] = box }
                if s == rank { outboxes[r] = box }
            }
        }
    }

    /// Makes the channel over a window allocated on `comm` (collective; every rank of `comm`
    /// must share this node's memory: `comm.splitShared().size == comm.size`).
    public static func make(comm: Communicator, senders: [[Int]], slots: Int, capacity: Int) throws -> SharedMemoryChannel {
        precondition(senders.count == comm.size, "SharedMemoryChannel.make: \(senders.count) sender lists for \(comm.size) ranks")
        let mine = segmentBytes(senders: senders[comm.rank], slots: slots, capacity: capacity)
        var base: UnsafeMutableRawPointer?
        var win: MPI_Win?
        try mpiCheck(MPI_Win_allocate_shared(MPI_Aint(mine), 1, cmpi_info_null(), comm.handle, &base, &win), "MPI_Win_allocate_shared")
        var segments: [UnsafeMutableRawPointer] = []
        for r in 0..<comm.size {
            var size: MPI_Aint = 0
            var unit: Int32 = 0
            var ptr: UnsafeMutableRawPointer?
            try mpiCheck(MPI_Win_shared_query(win, Int32(r), &size, &unit, &ptr), "MPI_Win_shared_query")
            let needed = segmentBytes(senders: senders[r], slots: slots, capacity: capacity)
            guard let p = ptr, Int(size) >= needed else { throw ChannelError(.segmentTooSmall(rank: r, bytes: Int(size), needed: needed)) }
            segments.append(p)
        }
        let channel = SharedMemoryChannel(rank: comm.rank, segments: segments, senders: senders, slots: slots, capacity: capacity, comm: comm)
        channel.window = win
        try mpiCheck(MPI_Win_lock_all(Int32(cmpi_mode_nocheck()), win), "MPI_Win_lock_all")
        channel.clear()
        try comm.barrier()
        return channel
    }

    /// The world rank of each of the channel's ranks (`Pipeline` numbers them by stage), so that
    /// waits reported to the watchdog and errors name the rank a user can find in mpirun's
    /// output; nil: the channel's own numbering.
    public var worldRanks: [Int]?

    /// How waits and errors name the channel's rank `r`.
    private func named(_ r: Int) -> Int {
        guard let worldRanks, worldRanks.indices.contains(r) else { return r }
        return worldRanks[r]
    }

    /// The training step the watchdog names when a wait does not end.
    public var step: Int {
        get { comm?.step ?? 0 }
        set { comm?.step = newValue }
    }

    /// Marks this rank's incoming mailboxes empty.
    public func clear() {
        for box in inboxes { box?.clear() }
    }

    /// Frees the window (`MPI_Win_free`, collective over the communicator it was made on);
    /// nothing for a channel over caller-owned memory. Call it on every rank at the same point.
    public func free() throws {
        freed = true
        guard let w = window, MPIRuntime.isInitialized else { return }
        window = nil
        try mpiCheck(MPI_Win_unlock_all(w), "MPI_Win_unlock_all")
        var handle: MPI_Win? = w
        try mpiCheck(MPI_Win_free(&handle), "MPI_Win_free")
    }

    private func outbox(_ peer: Int) throws -> ChannelMailbox {
        if freed { throw ChannelError(.freed) }
        guard outboxes.indices.contains(peer), let box = outboxes[peer] else { throw ChannelError(.notConnected(rank: named(rank), peer: named(peer))) }
        return box
    }

    private func inbox(_ peer: Int) throws -> ChannelMailbox {
        if freed { throw ChannelError(.freed) }
        guard inboxes.indices.contains(peer), let box = inboxes[peer] else { throw ChannelError(.notConnected(rank: named(rank), peer: named(peer))) }
        return box
    }

    /// Sends `count` floats at `buffer` to `peer` with `tag`: copies them into a free slot of
    /// `peer`'s mailbox, waiting (see the type) while every slot is full. The buffer may be
    /// reused as soon as this returns.
    public func send(_ buffer: UnsafePointer<Float>, count: Int, to peer: Int, tag: Int, spin: Duration, nap: Duration) throws {
        let box = try outbox(peer)
        guard count <= capacity else { throw ChannelError(.tooLarge(count: count, capacity: capacity, peer: named(peer))) }
        let sequence = sent[peer] + 1
        if !box.put(buffer, count: count, tag: tag, sequence: sequence) {
            let napMicroseconds = useconds_t(max(nap / .microseconds(1), 1))
            try wait("shared-memory send of \(count) floats to rank \(named(peer)) (mailbox full)", spin: spin, sleep: { usleep(napMicroseconds) }) {
                box.put(buffer, count: count, tag: tag, sequence: sequence)
            }
        }
        sent[peer] = sequence
    }

    /// Sends as `send(_:count:to:tag:spin:nap:)` does, but returns false instead of waiting when `peer`'s mailbox is full.
    public func trySend(_ buffer: UnsafePointer<Float>, count: Int, to peer: Int, tag: Int) throws -> Bool {
        let box = try outbox(peer)
        guard count <= capacity else { throw ChannelError(.tooLarge(count: count, capacity: capacity, peer: named(peer))) }
        guard box.put(buffer, count: count, tag: tag, sequence: sent[peer] + 1) else { return false }
        sent[peer] += 1
        return true
    }

    /// Receives exactly `count` floats from `peer` with `tag` into `buffer`, waiting (see the
    /// type) until the message has arrived (`nap` is not used: the wait sleeps until woken). A message of another length is handed back unread
    /// and is an error naming both lengths.
    public func receive(into buffer: UnsafeMutablePointer<Float>, count: Int, from peer: Int, tag: Int, spin: Duration, nap: Duration) throws {
        let box = try inbox(peer)
        var found = box.find(tag: tag)
        if found == nil {
            // The counter is read before each look, so a message that lands after the look
            // changes it and ends the sleep at once (the 10 ms limit only bounds a lost wake-up).
            var seen = box.arrivalCount
            try wait("shared-memory receive of \(count) floats from rank \(named(peer))", spin: spin, sleep: { box.waitForArrival(after: seen, timeout: 10_000) }) {
                seen = box.arrivalCount
                found = box.find(tag: tag)
                return found != nil
            }
        }
        guard let (slot, got) = found else { return }
        guard got == count else {
            box.drop(slot)
            throw ChannelError(.lengthMismatch(expected: count, got: got, peer: named(peer), tag: tag))
        }
        box.take(slot, into: buffer, count: count)
    }

    /// Whether a message from `peer` with `tag` has arrived (does not wait).
    public func hasMessage(from peer: Int, tag: Int) throws -> Bool {
        try inbox(peer).find(tag: tag) != nil
    }

    /// Messages from `peer` not yet received.
    public func waiting(from peer: Int) throws -> Int { try inbox(peer).waiting }

    /// Calls `ready` back to back for `spin`, then with `sleep()` between calls, until it
    /// returns true; reported to the watchdog as `what`.
    private func wait(_ what: @autoclosure () -> String, spin: Duration, sleep: () -> Void, until ready: () -> Bool) throws {
        func poll() {
            let start = ContinuousClock.now
            while !ready() {
                if ContinuousClock.now - start > spin { sleep() } else { cmpi_cpu_relax() }
            }
        }
        if let comm { try comm.tracked(what(), poll) } else { poll() }
    }
}
