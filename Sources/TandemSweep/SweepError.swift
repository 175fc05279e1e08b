import TandemTensor
import TandemTrain

/// A sweep cannot run or cannot go on: a bad sweep config, a journal that does not fit it, a
/// file it cannot write, a malformed message between ranks, or too many failed trials.
/// `reason` says what is wrong and where (file, line, key, rank) with the figures.
public struct SweepError: KindedError, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong. Callers switch on this, never on the message text.
    public enum Reason: Equatable, Sendable {
        /// The sweep config is wrong at `place` (its file, `file:line`, or a key such as
        /// `search.params.x`): `problem` says how, with the values found and allowed.
        case invalidConfig(place: String, problem: String)
        /// The sweep config exceeds a limit of config reading (`YAMLBudget`), as the `ConfigError` says.
        case configLimit(ConfigError)
        /// The setting at `place` (`file:line: key`) is `value`, below its `minimum`.
        case belowMinimum(place: String, value: Int, minimum: Int)
        /// The world of `world` ranks does not fit groups of `groupSize` plus the coordinator
        /// (`source`: the sweep config).
        case worldDoesNotFit(source: String, world: Int, groupSize: Int)
        /// The journal (`journal`, when known) was written for another sweep: `problem` says what differs.
        case journalMismatch(journal: String?, problem: String)
        /// Line `line` of the journal `path` is not a sweep event (`problem`).
        case damagedJournal(path: String, line: Int, problem: String)
        /// A journal line does not decode as an event (`problem`).
        case invalidEvent(problem: String)
        /// There is no journal at `path` to resume from.
        case noJournal(path: String)
        /// `directory` already holds a sweep (`sweep.jsonl`).
        case sweepExists(directory: String)
        /// A file the sweep writes cannot be written (`action` on `path`; `detail` from the system).
        case cannotWrite(FileAction, path: String, detail: String?)
        /// A message from rank `rank` is not what the protocol allows.
        case badMessage(rank: Int, MessageProblem)
        /// `failures` trials failed, more than `limit`; the last was `trial` with `error`.
        case tooManyFailures(failures: Int, limit: Int, trial: String, error: String)
    }

    /// What the sweep was doing with a file when it failed.
    public enum FileAction: Equatable, Sendable {
        case createJournal, openJournal, appendJournal, writeOptunaJournal, appendOptunaJournal, write
        /// Copying the best trial's model (at `path`) to `target`.
        case copyBestModel(target: String)
    }

    /// How a rank's message broke the sweep protocol.
    public enum MessageProblem: Equatable, Sendable {
        case unparsable(detail: String)
        case reportWithoutTrialAndEpoch
        case resultWithoutTrial
        /// A worker sent `kind`, which only the coordinator sends.
        case coordinatorOnly(kind: String)
    }

    /// What is wrong.
    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    /// A broken file or message is the environment's (exit 1, a restart may work); everything
    /// else is the user's (exit 2).
    public var kind: FailureKind {
        switch reason {
        case .cannotWrite, .badMessage: .environment
        default: .userInput
        }
    }

    public var description: String {
        switch reason {
        case .invalidConfig(let place, let problem):
            "\(place): \(problem)"
        case .configLimit(let error):
            error.description
        case .belowMinimum(let place, let value, let minimum):
            minimum == 0 ? "\(place): \(value) must be >= 0" : "\(place): \(value) must be at least \(minimum)"
        case .worldDoesNotFit(let source, let world, let groupSize):
            Self.sizeAdvice(world: world, groupSize: groupSize, source: source)
        case .journalMismatch(let journal, let problem):
            (journal.map { "\($0): " } ?? "") + problem
        case .damagedJournal(let path, let line, let problem):
            "\(path):\(line): not a sweep event (\(problem)); the journal is damaged"
        case .invalidEvent(let problem):
            problem
        case .noJournal(let path):
            "\(path): no sweep journal to resume from"
        case .sweepExists(let directory):
            "\(directory) already holds a sweep (sweep.jsonl); continue it with --resume, choose another output.dir, or pass --overwrite to replace it"
        case .cannotWrite(let action, let path, let detail):
            Self.fileMessage(action, path: path, detail: detail)
        case .badMessage(let rank, let problem):
            switch problem {
            case .unparsable(let detail): "a sweep message from rank \(rank) does not parse: \(detail)"
            case .reportWithoutTrialAndEpoch: "rank \(rank) sent a report without trial and epoch"
            case .resultWithoutTrial: "rank \(rank) sent a result without a trial"
            case .coordinatorOnly(let kind): "rank \(rank) sent '\(kind)', which only the coordinator sends"
            }
        case .tooManyFailures(let failures, let limit, let trial, let error):
            "\(failures) trials failed, more than search.max_failures \(limit); the last: trial \(trial): \(error)"
        }
    }

    private static func fileMessage(_ action: FileAction, path: String, detail: String?) -> String {
        let because = detail.map { ": \($0)" } ?? ""
        switch action {
        case .createJournal: return "cannot create the sweep journal \(path)\(because)"
        case .openJournal: return "cannot open the sweep journal \(path)\(because)"
        case .appendJournal: return "cannot append to the sweep journal \(path)\(because)"
        case .writeOptunaJournal: return "cannot write the Optuna journal \(path)\(because) (choose another place with --optuna-journal PATH)"
        case .appendOptunaJournal: return "cannot append to the Optuna journal \(path)\(because)"
        case .write: return "cannot write \(path)\(because)"
        case .copyBestModel(let target): return "cannot copy the best model \(path) to \(target)\(because)"
        }
    }

    /// What to run instead when the world does not fit the groups.
    static func sizeAdvice(world: Int, groupSize: Int, source: String) -> String {
        let workers = world - 1
        let fits = (1...4).map { 1 + $0 * groupSize }.map(String.init).joined(separator: ", ")
        if workers < groupSize {
            return "\(source): a sweep needs world rank 0 to coordinate and at least one group of search.group_size \(groupSize) rank\(groupSize == 1 ? "" : "s") to train; this world has \(world); run mpirun -np \(fits)"
        }
        let divisors = (1...workers).filter { workers % $0 == 0 }.map(String.init).joined(separator: ", ")
        return "\(source): search.group_size \(groupSize) does not divide the \(workers) worker rank\(workers == 1 ? "" : "s") (world \(world) = 1 coordinator + \(workers)); run mpirun -np \(fits), or set group_size to one of \(divisors)"
    }
}
