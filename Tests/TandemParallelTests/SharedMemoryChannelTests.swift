import Foundation
import Testing
import TandemComm
@testable import TandemParallel

/// Channel ends over ordinary memory, one per "rank" (threads of this process stand in for the
/// ranks of one node; the MPI window only provides the same memory to processes).
final class LocalChannels {
    let segments: [UnsafeMutableRawPointer]
    let ends: [SharedMemoryChannel]

    init(senders: [[Int]], slots: Int, capacity: Int) {
        segments = senders.map {
            UnsafeMutableRawPointer.allocate(byteCount: SharedMemoryChannel.segmentBytes(senders: $0, slots: slots, capacity: capacity), alignment: 64)
        }
        let segments = self.segments
        ends = senders.indices.map { SharedMemoryChannel(rank: $0, segments: segments, senders: senders, slots: slots, capacity: capacity) }
        for e in ends { e.clear() }
    }

    deinit { for s in segments { s.deallocate() } }
}

/// A counter threads add to.
final class Count: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

@Suite struct SharedMemoryChannelTests {
    static let spin = Duration.microseconds(20), nap = Duration.microseconds(10)

    /// Messages match by tag, whatever order they were sent in; the same tag comes in send order.
    @Test func matchesTagsAndKeepsSendOrder() throws {
        let local = LocalChannels(senders: [[0]], slots: 4, capacity: 3)
        let c = local.ends[0]
        for (tag, v) in [(5, 1.0), (3, 2.0), (5, 3.0)] as [(Int, Float)] {
            let x: [Float] = [v, v + 0.5, -v]
            try c.send(x, count: 3, to: 0, tag: tag, spin: Self.spin, nap: Self.nap)
        }
        #expect(try c.waiting(from: 0) == 3)
        #expect(try !c.hasMessage(from: 0, tag: 4))
        var out = [Float](repeating: 0, count: 3)
        try c.receive(into: &out, count: 3, from: 0, tag: 3, spin: Self.spin, nap: Self.nap)
        #expect(out == [2, 2.5, -2])
        try c.receive(into: &out, count: 3, from: 0, tag: 5, spin: Self.spin, nap: Self.nap)
        #expect(out == [1, 1.5, -1])
        try c.receive(into: &out, count: 3, from: 0, tag: 5, spin: Self.spin, nap: Self.nap)
        #expect(out == [3, 3.5, -3])
        #expect(try c.waiting(from: 0) == 0)
    }

    /// A full mailbox refuses a message without writing it, and takes one once a slot is handed back.
    @Test func fullMailboxWaitsForAFreeSlot() throws {
        let local = LocalChannels(senders: [[0]], slots: 2, capacity: 1)
        let c = local.ends[0]
        #expect(try c.trySend([1], count: 1, to: 0, tag: 1))
        #expect(try c.trySend([2], count: 1, to: 0, tag: 2))
        #expect(try !c.trySend([3], count: 1, to: 0, tag: 3))
        #expect(try !c.hasMessage(from: 0, tag: 3))
        var out: [Float] = [0]
        try c.receive(into: &out, count: 1, from: 0, tag: 2, spin: Self.spin, nap: Self.nap)
        #expect(out == [2])
        #expect(try c.trySend([3], count: 1, to: 0, tag: 3))
        try c.receive(into: &out, count: 1, from: 0, tag: 3, spin: Self.spin, nap: Self.nap)
        #expect(out == [3])
        try c.receive(into: &out, count: 1, from: 0, tag: 1, spin: Self.spin, nap: Self.nap)
        #expect(out == [1])
    }

    /// A blocked send completes once the receiver (another thread) frees a slot.
    @Test func blockedSendResumesWhenTheReceiverTakes() throws {
        let local = LocalChannels(senders: [[1], [0]], slots: 1, capacity: 2)
        let done = DispatchSemaphore(value: 0)
        let sender = local.ends[0]
        Thread {
            for i in 0..<50 { try? sender.send([Float(i), -Float(i)], count: 2, to: 1, tag: 7, spin: Self.spin, nap: Self.nap) }
            done.signal()
        }.start()
        var out: [Float] = [0, 0]
        for i in 0..<50 {
            try local.ends[1].receive(into: &out, count: 2, from: 0, tag: 7, spin: Self.spin, nap: Self.nap)
            #expect(out == [Float(i), -Float(i)])
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
    }

    /// Sizes: a message fills a slot exactly without touching its neighbours; one above the
    /// capacity, a receive of the wrong length and a peer with no mailbox are errors that say so.
    @Test func sizesAndErrors() throws {
        let local = LocalChannels(senders: [[0], []], slots: 3, capacity: 5)
        let c = local.ends[0]
        let a: [Float] = [1, 2, 3, 4, 5], b: [Float] = [6, 7, 8, 9, 10]
        try c.send(a, count: 5, to: 0, tag: 0, spin: Self.spin, nap: Self.nap)
        try c.send(b, count: 5, to: 0, tag: 1, spin: Self.spin, nap: Self.nap)
        try c.send(a, count: 2, to: 0, tag: 2, spin: Self.spin, nap: Self.nap)
        var out = [Float](repeating: 0, count: 5)
        try c.receive(into: &out, count: 5, from: 0, tag: 1, spin: Self.spin, nap: Self.nap)
        #expect(out == b)
        try c.receive(into: &out, count: 5, from: 0, tag: 0, spin: Self.spin, nap: Self.nap)
        #expect(out == a)
        let large = #expect(throws: ChannelError.self) { try c.send([1, 2, 3, 4, 5, 6], count: 6, to: 0, tag: 3, spin: Self.spin, nap: Self.nap) }
        #expect(large?.reason == .tooLarge(count: 6, capacity: 5, peer: 0))
        let mismatch = #expect(throws: ChannelError.self) { try c.receive(into: &out, count: 5, from: 0, tag: 2, spin: Self.spin, nap: Self.nap) }
        #expect(mismatch?.reason == .lengthMismatch(expected: 5, got: 2, peer: 0, tag: 2))
        #expect("\(mismatch.map { "\($0)" } ?? "")".contains("expected 5 floats from rank 0 (tag 2), got 2"))
        #expect(try c.waiting(from: 0) == 0)
        let unconnected = #expect(throws: ChannelError.self) { try c.send(a, count: 1, to: 1, tag: 0, spin: Self.spin, nap: Self.nap) }
        #expect(unconnected?.reason == .notConnected(rank: 0, peer: 1))
        try c.free()
        let freed = #expect(throws: ChannelError.self) { _ = try c.hasMessage(from: 0, tag: 0) }
        #expect(freed?.reason == .freed)
    }

    /// With `worldRanks` set (a pipeline numbers the channel's ranks by stage), errors name the
    /// world ranks, which are what mpirun's output and the other ranks' messages use.
    @Test func errorsNameWorldRanks() throws {
        let local = LocalChannels(senders: [[1], [0]], slots: 2, capacity: 2)
        let c = local.ends[0]
        c.worldRanks = [4, 6]
        let large = #expect(throws: ChannelError.self) { try c.send([1, 2, 3], count: 3, to: 1, tag: 0, spin: Self.spin, nap: Self.nap) }
        #expect(large?.reason == .tooLarge(count: 3, capacity: 2, peer: 6))
        try local.ends[1].send([1], count: 1, to: 0, tag: 7, spin: Self.spin, nap: Self.nap)
        var out: [Float] = [0, 0]
        let mismatch = #expect(throws: ChannelError.self) { try c.receive(into: &out, count: 2, from: 1, tag: 7, spin: Self.spin, nap: Self.nap) }
        #expect("\(mismatch.map { "\($0)" } ?? "")".contains("expected 2 floats from rank 6 (tag 7), got 1"))
        let unconnected = #expect(throws: ChannelError.self) { try c.send([1], count: 1, to: 0, tag: 0, spin: Self.spin, nap: Self.nap) }
        #expect(unconnected?.reason == .notConnected(rank: 4, peer: 4))
    }

    @Test func messageCountsPerSchedule() {
        #expect(Pipeline.messageCounts(.oneFOneB, stages: 2, microBatches: 8, virtualStages: 1) == [[0, 8], [8, 0]])
        // Interleaved: stage 0 sends chunks 0 and 2's activations and chunk 2's gradients to stage 1.
        #expect(Pipeline.messageCounts(.oneFOneB, stages: 2, microBatches: 8, virtualStages: 2) == [[0, 24], [24, 0]])
        #expect(Pipeline.messageCounts(.gpipe, stages: 3, microBatches: 4, virtualStages: 1) == [[0, 4, 0], [4, 0, 4], [0, 4, 0]])
        #expect(Pipeline.messageCounts(.oneFOneB, stages: 3, microBatches: 3, virtualStages: 2) == [[0, 6, 3], [6, 0, 6], [3, 6, 0]])
        #expect(Pipeline.channelSlots(.gpipe, stages: 2, microBatches: 5, virtualStages: 1) == 5)
    }

    /// Every schedule's messages, replayed by one thread per stage over channels of
    /// `Pipeline.channelSlots` slots for three steps (sends wait while a mailbox is full), all
    /// arrive with their contents and no stage waits forever.
    @Test func schedulesNeverDeadlockOnFullMailboxes() throws {
        for l in PipelineLayout.sweep(stages: 2...4, microBatches: 1...9, virtualStages: 1...2) {
            let p = l.stages, m = l.microBatches, v = l.virtualStages, last = p * v - 1
            let counts = Pipeline.messageCounts(l.kind, stages: p, microBatches: m, virtualStages: v)
            let senders = (0..<p).map { r in (0..<p).filter { counts[$0][r] > 0 } }
            let local = LocalChannels(senders: senders, slots: Pipeline.channelSlots(l.kind, stages: p, microBatches: m, virtualStages: v), capacity: 2)
            let group = DispatchGroup()
            let wrong = Count()
            for s in 0..<p {
                let c = local.ends[s]
                let ops = PipelineSchedule.ops(l.kind, stage: s, stages: p, microBatches: m, virtualStages: v)
                group.enter()
                Thread {
                    defer { group.leave() }
                    func tag(_ g: Int, _ k: Int, _ backward: Bool) -> Int { Pipeline.tag(chunk: g, microBatch: k, backward: backward, microBatches: m) }
                    do {
                        for step in 0..<3 {
                            for op in ops {
                                let g = op.chunk * p + s, k = op.microBatch
                                let forward = op.isForward
                                // Receive what this op needs, check it, send what it makes.
                                if forward ? g > 0 : g < last {
                                    var x: [Float] = [0, 0]
                                    let t = tag(g, k, !forward)
                                    try c.receive(into: &x, count: 2, from: (s + (forward ? p - 1 : 1)) % p, tag: t, spin: Self.spin, nap: Self.nap)
                                    if x != [Float(step), Float(t)] { wrong.add() }
                                }
                                if forward ? g < last : g > 0 {
                                    let t = forward ? tag(g + 1, k, false) : tag(g - 1, k, true)
                                    try c.send([Float(step), Float(t)], count: 2, to: (s + (forward ? 1 : p - 1)) % p, tag: t, spin: Self.spin, nap: Self.nap)
                                }
                            }
                        }
                    } catch {
                        wrong.add()
                    }
                }.start()
            }
            let finished = group.wait(timeout: .now() + 30) == .success
            #expect(finished, "\(l): a stage is still waiting after 30 s")
            guard finished else { return }
            #expect(wrong.value == 0, "\(l)")
            for e in local.ends { for r in 0..<p where counts[r][e.rank] > 0 { #expect(try e.waiting(from: r) == 0, "\(l)") } }
        }
    }
}
