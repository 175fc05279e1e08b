import Foundation

/// What the coordinator (world rank 0) and the worker groups' roots say to each other, as JSON
/// bytes in point-to-point messages: a root sends `ready`, `report` and `result` with tag
/// `toCoordinator`; the coordinator answers each with `assign`, `decision` or `shutdown` with
/// tag `toWorker`. A root has at most one message awaiting an answer.
struct SweepMessage: Codable, Sendable {
    enum Kind: String, Codable { case ready, report, result, assign, decision, shutdown }

    static let toCoordinator = 7101
    static let toWorker = 7102

    var kind: Kind
    var trial: Int?
    /// `ready`: the group's number.
    var group: Int?
    /// `report`: the epoch and its validation value of the sweep metric.
    var epoch: Int?
    var value: Double?
    /// `decision`: go on training.
    var goOn: Bool?
    /// `assign`: the training config and the trial's `--set` overrides; resume from a checkpoint.
    var base: String?
    var overrides: [String]?
    var resume: Bool?
    /// `assign`: the metric's name in the validation split (`accuracy`).
    var metric: String?
    /// `result`: how the trial ended (`finished` when it trained to the end of what it was
    /// allowed; `failed`; `interrupted` by a signal after writing a checkpoint).
    var status: String?
    var error: String?
    var epochs: Int?
    var wallSeconds: Double?
    var validation: [Metric]?
    var test: [Metric]?

    /// A named value of a summary split.
    struct Metric: Codable, Sendable {
        var name: String
        var value: Double
    }

    init(_ kind: Kind, trial: Int? = nil) {
        self.kind = kind
        self.trial = trial
    }

    var bytes: [UInt8] {
        get throws {
            let encoder = JSONEncoder()
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return Array(try encoder.encode(self))
        }
    }

    init(bytes: [UInt8], from rank: Int) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            self = try decoder.decode(SweepMessage.self, from: Data(bytes))
        } catch {
            throw SweepError(.badMessage(rank: rank, .unparsable(detail: "\(error)")))
        }
    }
}
