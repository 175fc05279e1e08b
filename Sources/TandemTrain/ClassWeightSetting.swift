import Foundation
import TandemMetrics

/// `train.class_weight:` — per-class weights in the classification loss: `none`, `balanced`
/// (`n / (classes * count_c)` over the training split, as scikit-learn's
/// `compute_class_weight("balanced")`), or a mapping `{label: weight}` (unlisted classes weigh 1).
///
/// The loss of a batch is the weighted mean `sum_i w[y_i] l_i / sum_i w[y_i]` over the global
/// batch, so 1 rank and N ranks take the same step.
public enum ClassWeightSetting: Equatable, Sendable, Codable {
    case none
    case balanced
    /// Weight by class label, each finite and > 0.
    case explicit([String: Double])

    /// Decodes `none`, `balanced` or a mapping of labels to positive numbers; anything else is a
    /// `ConfigError` naming `train.class_weight` (and the label of a bad weight).
    public init(from decoder: any Decoder) throws {
        let path = decoder.keyPath.isEmpty ? "train.class_weight" : decoder.keyPath
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .none; return }
        if let word = try? single.decode(String.self) {
            switch word {
            case "none", "off": self = .none
            case "balanced": self = .balanced
            default: throw ConfigError("\(path): '\(word)' is not one of none, balanced, or a mapping {label: weight}", keyPath: path)
            }
            return
        }
        guard let map = try? single.decode([String: Double].self) else {
            throw ConfigError("\(path): expected none, balanced, or a mapping {label: weight} with numeric weights", keyPath: path)
        }
        for (label, w) in map.sorted(by: { $0.key < $1.key }) where !(w.isFinite && w > 0) {
            throw ConfigError("\(path).\(label): weight \(w) must be a finite number > 0", keyPath: "\(path).\(label)")
        }
        self = .explicit(map)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .none: try c.encode("none")
        case .balanced: try c.encode("balanced")
        case .explicit(let map): try c.encode(map)
        }
    }

    /// The weight of each class index (model class order), or nil for `none`.
    ///
    /// `classes`: the model's class labels (nil for regression); `counts`: the training rows of
    /// each class index. Throws `ConfigError` naming `train.class_weight` for weights on a
    /// regression task or a label that is not a class.
    public func resolve(classes: [String]?, counts: [Int]) throws -> [Float]? {
        if self == .none { return nil }
        guard let classes else {
            throw ConfigError("train.class_weight: class weights apply to classification; this task is regression (remove the key or set none)", keyPath: "train.class_weight")
        }
        switch self {
        case .none:
            return nil
        case .balanced:
            let n = Double(counts.reduce(0, +)), k = Double(classes.count)
            // A class with no training rows never weighs in a batch; it keeps 1.
            return counts.map { $0 > 0 ? Float(n / (k * Double($0))) : 1 }
        case .explicit(let map):
            if let unknown = map.keys.sorted().first(where: { !classes.contains($0) }) {
                throw ConfigError("train.class_weight: '\(unknown)' is not a class; the classes are: \(classes.prefix(20).joined(separator: ", "))\(classes.count > 20 ? ", ..." : "")", keyPath: "train.class_weight")
            }
            return classes.map { Float(map[$0] ?? 1) }
        }
    }

    /// As written in summary.json: label -> weight, in class order.
    static func json(_ weights: [Float], classes: [String]) -> JSONValue {
        .object(zip(classes, weights).map { ($0, JSONValue.number(Double($1))) })
    }
}
