import Foundation
import TandemComm
import TandemData
import TandemMetrics
import TandemModel
import TandemTensor
import TandemRecord
import TandemTrain

/// The ranks that train one trial at a time together (data parallel on the group's own
/// communicator). The group's rank 0 (its root) asks the coordinator for trials, reports each
/// epoch and returns the result; it broadcasts every answer to the group so all ranks agree.
public final class WorkerGroup {
    let world: Communicator
    /// The group's communicator (from `world.split`).
    let group: Communicator
    /// The group's number (1, 2, ...), for the journal and the table.
    let index: Int
    /// Threads per rank for matrix products (Tandem's GEMM kernel and OpenBLAS).
    let threads: Int?
    var isRoot: Bool { group.rank == 0 }

    public init(world: Communicator, group: Communicator, index: Int, threads: Int?) {
        self.world = world
        self.group = group
        self.index = index
        self.threads = threads
    }

    /// Trains trials until the coordinator says shutdown (or a signal interrupts a trial).
    /// Errors other than a trial's own (config values, data, divergence) end the job.
    public func run() throws {
        var message = SweepMessage(.ready)
        message.group = index
        while true {
            let answer = try exchange(message)
            guard answer.kind == .assign, let trial = answer.trial, let base = answer.base, let overrides = answer.overrides,
                  let key = answer.metric else { return }
            message = try train(trial: trial, base: base, overrides: overrides, metric: key, resume: answer.resume ?? false)
            if message.status == "interrupted" {
                if isRoot { try world.send(bytes: message.bytes, to: 0, tag: SweepMessage.toCoordinator) }
                return
            }
        }
    }

    /// The root sends `message` to the coordinator and waits for the answer; every rank of the
    /// group returns the answer. The coordinator answers at once, so the wait is under the
    /// world's watchdog: a hung coordinator (or a hung root, for the other ranks of the group)
    /// ends the job with a message naming the rank waited for.
    func exchange(_ message: SweepMessage) throws -> SweepMessage {
        let rootRank = world.rank - group.rank
        let what = isRoot ? "the sweep coordinator's (world rank 0) answer to '\(message.kind.rawValue)' from group \(index)"
                          : "group \(index)'s root (world rank \(rootRank)) passing on the sweep coordinator's answer to '\(message.kind.rawValue)'"
        world.watchdog?.enter(what, step: world.step)
        defer { world.watchdog?.leave() }
        var reply: [UInt8] = []
        if isRoot {
            try world.send(bytes: message.bytes, to: 0, tag: SweepMessage.toCoordinator)
            reply = try world.receive(from: 0, tag: SweepMessage.toWorker).bytes
        }
        return try SweepMessage(bytes: group.broadcast(bytes: reply), from: 0)
    }

    /// Trains one trial; returns the `result` message (on every rank of the group).
    func train(trial: Int, base: String, overrides: [String], metric key: String, resume: Bool) throws -> SweepMessage {
        let begin = ContinuousClock.now
        var result = SweepMessage(.result, trial: trial)
        var reported = 0
        var trialDirectory: String?
        // Trainer sets a watchdog on the group's communicator; between trials nothing watches it.
        defer { group.watchdog = nil }
        do {
            let job = try ConfigLoader.load(path: base, overrides: overrides)
            trialDirectory = job.output.dir
            let trainer = try Trainer(config: job, comm: group, threads: threads, resume: resume ? .auto : .none, overwrite: true,
                                      recorder: RunFiles(), models: ArtifactModelLoader())
            trainer.epochHook = { [self] epoch, validation in
                reported = epoch
                var report = SweepMessage(.report, trial: trial)
                report.epoch = epoch
                guard let value = validation.first(where: { $0.0 == key })?.1 else {
                    throw TrainingError(.metricUnavailable(metric: "val_\(key)", available: validation.map { "val_" + $0.0 }))
                }
                report.value = value
                return try exchange(report).goOn ?? true
            }
            guard let summary = try trainer.train() else {
                result.status = "interrupted"
                return result
            }
            result.status = "finished"
            if case .int(let e)? = summary[member: "epochs"] { result.epochs = e }
            result.validation = Self.metrics(summary[member: "validation"])
            result.test = Self.metrics(summary[member: "test"])
            result.value = result.validation?.first { $0.name == key }?.value
        } catch let error where Self.isTrialError(error) {
            result.status = "failed"
            result.error = "\(error)"
            if isRoot, let dir = trialDirectory { RunDirectory.recordFailure(in: dir, rank: world.rank, message: result.error ?? "") }
            result.epochs = reported
        }
        result.wallSeconds = begin.secondsElapsed
        return result
    }

    /// Errors that end one trial (the same on every rank of the group, raised before or between
    /// collectives): bad config values, bad data, a model that cannot be built, divergence.
    static func isTrialError(_ error: any Error) -> Bool {
        error is ConfigError || error is DataError || error is TrainingError || error is ModelError || error is OutputDirectoryError
    }

    static func metrics(_ split: JSONValue?) -> [SweepMessage.Metric]? {
        guard case .object(let members)? = split else { return nil }
        return members.compactMap { name, v in v.doubleValue.map { SweepMessage.Metric(name: name, value: $0) } }
    }
}
