import TandemComm

extension Pipeline {
    /// `counts[s][r]`: the messages stage `s` sends stage `r` in one training step of `schedule`
    /// (activations forward, gradients back, both in the ring of an interleaved schedule).
    public static func messageCounts(_ schedule: PipelineScheduleKind, stages: Int, microBatches: Int, virtualStages: Int) -> [[Int]] {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: stages), count: stages)
        let chunks = stages * virtualStages
        for s in 0..<stages {
            for op in PipelineSchedule.ops(schedule, stage: s, stages: stages, microBatches: microBatches, virtualStages: virtualStages) {
                let g = op.chunk * stages + s
                if op.isForward, g < chunks - 1 { counts[s][(s + 1) % stages] += 1 }
                if op.pass == .backward, g > 0 { counts[s][(s + stages - 1) % stages] += 1 }
            }
        }
        return counts
    }

    /// The slots per mailbox that make a bounded channel never block a schedule that cannot
    /// block unbounded: one step's messages from one stage to another. (A sender that finds a
    /// mailbox full at step t holds more than a step's messages in it, so its receiver is
    /// behind, at a step whose messages have all been sent, and frees slots without waiting for
    /// anyone ahead of it.)
    public static func channelSlots(_ schedule: PipelineScheduleKind, stages: Int, microBatches: Int, virtualStages: Int) -> Int {
        max(messageCounts(schedule, stages: stages, microBatches: microBatches, virtualStages: virtualStages).joined().max() ?? 1, 1)
    }

    /// Moves this pipeline's training messages onto a shared-memory channel when every stage of
    /// this (dp, tp) position runs on this node: micro-batches of at most `rows` rows, slots per
    /// `channelSlots`, one mailbox per neighbour that sends here (the window takes about
    /// `slots x rows x width x 4` bytes per mailbox). Otherwise (or with one stage) the messages
    /// stay MPI. Collective over the world: every rank calls it at the same point. Returns
    /// whether the channel is in use.
    @discardableResult
    public func connect(rows: Int) throws -> Bool {
        guard stages > 1, channel == nil else { return channel != nil }
        let group = try comm.split(color: stageRanks[0], key: index)
        group.watchdog = comm.watchdog
        let together = try group.splitShared().size == group.size
        guard together else { return false }
        let width = chunks.map { max($0.inputWidth, $0.outputWidth) }.max() ?? 1
        let capacity = Int(try group.allreduceMax([Double(max(rows, 1) * width)])[0])
        let counts = Self.messageCounts(schedule, stages: stages, microBatches: microBatches, virtualStages: chunks.count)
        let senders = (0..<stages).map { r in (0..<stages).filter { counts[$0][r] > 0 } }
        let slots = Self.channelSlots(schedule, stages: stages, microBatches: microBatches, virtualStages: chunks.count)
        // A window that cannot be made on some rank leaves every stage on MPI messages.
        let made = try? SharedMemoryChannel.make(comm: group, senders: senders, slots: slots, capacity: capacity)
        guard try group.allreduceMax([made == nil ? 1 : 0])[0] == 0, let made else { return false }
        made.worldRanks = stageRanks
        channel = made
        tick = StageTick(interval: .milliseconds(1))
        return true
    }

    /// Frees the channel's window (collective over the stages: every rank that connected calls
    /// it at the same point, when training is done); later steps use MPI messages.
    public func disconnect() throws {
        let c = channel
        channel = nil
        tick?.stop()
        tick = nil
        try c?.free()
    }

    /// The training step the channel's waits report to the watchdog.
    public func watch(step: Int) { channel?.step = step }
}
