import CMPI

/// One direction of a `SharedMemoryChannel`: `slots` message slots in memory both ranks map,
/// written by one sender and read by one receiver.
///
/// Layout (`byteCount(slots:capacity:)` bytes at `base`, 64-byte aligned): a 64-byte line with
/// the mailbox's arrival counter and the receiver's sleeping flag (`Int32`s), then per slot a
/// 64-byte header (sequence, tag and float count as `Int64`) followed by `capacity` floats
/// padded to 64 bytes. A slot is empty while its sequence is 0. The sender fills an empty slot's tag, count
/// and floats, then publishes it with a release store of its sequence (1, 2, ... in send
/// order); the receiver finds a slot by tag with acquire loads of the sequences, copies the
/// floats out and hands the slot back with a release store of 0. After publishing, the sender
/// bumps the arrival counter, and wakes the receiver when it sleeps on it (`waitForArrival`). Each side writes a slot only
/// while the sequence says it owns it, so no lock or compare-and-swap is needed. Messages with
/// the same tag are taken in send order (lowest sequence first), as MPI matches them.
public struct ChannelMailbox {
    /// Bytes of a slot's header (one cache line).
    static let headerBytes = 64
    public let base: UnsafeMutableRawPointer
    /// Number of message slots.
    public let slots: Int
    /// Most floats in one message.
    public let capacity: Int
    private let stride: Int

    /// The bytes a mailbox of `slots` slots of `capacity` floats takes.
    public static func byteCount(slots: Int, capacity: Int) -> Int {
        headerBytes + slots * slotBytes(capacity: capacity)
    }

    private static func slotBytes(capacity: Int) -> Int { headerBytes + (capacity * MemoryLayout<Float>.stride + 63) / 64 * 64 }

    /// A mailbox over `byteCount(slots:capacity:)` bytes at `base` (shared by both ranks; call
    /// `clear()` once, on one side, before either uses it).
    public init(base: UnsafeMutableRawPointer, slots: Int, capacity: Int) {
        self.base = base
        self.slots = slots
        self.capacity = capacity
        stride = Self.slotBytes(capacity: capacity)
    }

    private func header(_ slot: Int) -> UnsafeMutablePointer<Int64> {
        (base + Self.headerBytes + slot * stride).assumingMemoryBound(to: Int64.self)
    }

    private func payload(_ slot: Int) -> UnsafeMutablePointer<Float> {
        (base + Self.headerBytes + slot * stride + Self.headerBytes).assumingMemoryBound(to: Float.self)
    }

    /// The arrival counter and the receiver's sleeping flag.
    private var arrivals: UnsafeMutablePointer<Int32> { base.assumingMemoryBound(to: Int32.self) }
    private var sleeping: UnsafeMutablePointer<Int32> { arrivals + 1 }

    /// Marks every slot empty.
    public func clear() {
        arrivals.pointee = 0
        cmpi_sleeping_store(sleeping, 0)
        for s in 0..<slots { cmpi_flag_store(header(s), 0) }
    }

    /// Receiver: sleeps until a message arrives after `seen` (the `arrivalCount` read before the
    /// caller last looked for its message), at most `timeout` microseconds.
    public func waitForArrival(after seen: Int32, timeout: Int) {
        cmpi_sleeping_store(sleeping, 1)
        cmpi_counter_wait(arrivals, seen, timeout)
        cmpi_sleeping_store(sleeping, 0)
    }

    /// Messages sent into the mailbox so far (wrapping).
    public var arrivalCount: Int32 { cmpi_counter_load(arrivals) }

    /// Sender: copies `count` floats at `buffer` into an empty slot as message `sequence`
    /// (above 0, increasing) with `tag`. False when every slot is full (nothing written).
    /// `count <= capacity`.
    public func put(_ buffer: UnsafePointer<Float>, count: Int, tag: Int, sequence: Int64) -> Bool {
        for s in 0..<slots where cmpi_flag_load(header(s)) == 0 {
            let h = header(s)
            h[1] = Int64(tag)
            h[2] = Int64(count)
            payload(s).update(from: buffer, count: count)
            cmpi_flag_store(h, sequence)
            cmpi_counter_notify(arrivals, sleeping)
            return true
        }
        return false
    }

    /// Receiver: the slot holding the oldest message with `tag` and its float count, nil if none has arrived.
    public func find(tag: Int) -> (slot: Int, count: Int)? {
        var best: (slot: Int, count: Int)?
        var bestSequence = Int64.max
        for s in 0..<slots {
            let h = header(s)
            let sequence = cmpi_flag_load(h)
            if sequence != 0, sequence < bestSequence, h[1] == Int64(tag) {
                best = (s, Int(h[2]))
                bestSequence = sequence
            }
        }
        return best
    }

    /// Receiver: copies the first `count` floats of `slot` (found by `find`) into `buffer` and hands the slot back.
    public func take(_ slot: Int, into buffer: UnsafeMutablePointer<Float>, count: Int) {
        buffer.update(from: payload(slot), count: count)
        cmpi_flag_store(header(slot), 0)
    }

    /// Receiver: hands `slot` back without reading it.
    public func drop(_ slot: Int) {
        cmpi_flag_store(header(slot), 0)
    }

    /// Messages waiting (full slots).
    public var waiting: Int {
        (0..<slots).reduce(0) { $0 + (cmpi_flag_load(header($1)) != 0 ? 1 : 0) }
    }
}
