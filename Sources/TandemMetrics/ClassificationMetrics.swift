import Foundation
import TandemTensor

/// Scores of a classifier's predicted probabilities against true labels.
///
/// Built by `compute(probabilities:labels:classLabels:)`. Matches scikit-learn: `accuracy_score`,
/// `precision_recall_fscore_support(average='macro', zero_division=0)`, `log_loss` (with the
/// clipping described on `loss`), `roc_auc_score` and `confusion_matrix`.
///
/// JSON keys are the property names except `log_loss`, `roc_auc` and `per_class`; `roc_auc` is
/// omitted when `rocAUC` is `nil`.
public struct ClassificationMetrics: Codable, Sendable, Equatable {
    /// Number of evaluated rows.
    public var count: Int
    /// Mean cross-entropy `-(1/n) sum log p[r, label_r]`, each probability clipped to
    /// `[1e-15, 1 - 1e-15]` first (see `probabilityClip`). Equal to `logLoss`.
    public var loss: Double
    /// Fraction of rows whose argmax prediction equals the label.
    public var accuracy: Double
    /// Macro-averaged precision over the classes present in the labels or the predictions.
    public var precision: Double
    /// Macro-averaged recall over the classes present in the labels or the predictions.
    public var recall: Double
    /// Macro-averaged F1 (mean of per-class F1) over the classes present in the labels or the predictions.
    public var f1: Double
    /// Same value as `loss`, under the scikit-learn name (JSON key `log_loss`).
    public var logLoss: Double
    /// ROC-AUC of probability column 1 for class 1 (JSON key `roc_auc`); only for exactly two
    /// classes, and `nil` when the labels contain only one class (or no rows).
    public var rocAUC: Double?
    /// Metrics for every class in `classLabels`, in class-index order, including classes absent from
    /// both labels and predictions (all zeros). JSON key `per_class`.
    public var perClass: [ClassMetrics]
    /// `confusion[true][predicted]` row counts, `[classes, classes]`.
    public var confusion: [[Int]]

    /// The bounds used to clip probabilities before taking logs: `[1e-15, 1 - 1e-15]`.
    public static let probabilityClip: Double = 1e-15

    enum CodingKeys: String, CodingKey {
        case count, loss, accuracy, precision, recall, f1
        case logLoss = "log_loss"
        case rocAUC = "roc_auc"
        case perClass = "per_class"
        case confusion
    }

    /// Metrics from explicit values (prefer `compute(probabilities:labels:classLabels:)`).
    public init(count: Int, loss: Double, accuracy: Double, precision: Double, recall: Double,
                f1: Double, logLoss: Double, rocAUC: Double?, perClass: [ClassMetrics], confusion: [[Int]]) {
        self.count = count
        self.loss = loss
        self.accuracy = accuracy
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.logLoss = logLoss
        self.rocAUC = rocAUC
        self.perClass = perClass
        self.confusion = confusion
    }

    /// Scores `probabilities` against `labels`.
    ///
    /// Shapes: `probabilities`: `[n, classes]`, rows summing to 1 (a binary task passes two columns
    /// `[1 - p, p]`); `labels`: `[n]`, each in `0..<classes`; `classLabels`: `[classes]` names.
    /// The prediction of a row is its argmax, the first index on ties. Sums are accumulated in Double.
    ///
    /// Macro averages run over the classes that occur in `labels` or among the predictions
    /// (scikit-learn's default `labels=None`); a class in neither is listed in `perClass` with zeros
    /// but does not dilute the averages. With `n == 0` every scalar is 0, `rocAUC` is `nil`, and
    /// `perClass` / `confusion` are all zeros. Traps if the shapes disagree or a label is out of range.
    public static func compute(probabilities: Matrix, labels: [Int32], classLabels: [String]) -> ClassificationMetrics {
        let n = labels.count
        let classes = classLabels.count
        precondition(probabilities.rows == n,
                     "ClassificationMetrics: \(probabilities.rows) probability rows for \(n) labels")
        precondition(probabilities.cols == classes,
                     "ClassificationMetrics: \(probabilities.cols) probability columns for \(classes) class labels")
        precondition(classes > 0 || n == 0, "ClassificationMetrics: rows but no classes")

        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        var logLossSum = 0.0
        var correct = 0
        let low = probabilityClip, high = 1 - probabilityClip
        probabilities.values.withUnsafeBufferPointer { p in
            for r in 0..<n {
                let y = Int(labels[r])
                precondition(y >= 0 && y < classes, "ClassificationMetrics: label \(y) at row \(r) outside 0..<\(classes)")
                let row = r * classes
                var predicted = 0
                for c in 1..<classes where p[row + c] > p[row + predicted] { predicted = c }
                confusion[y][predicted] += 1
                if predicted == y { correct += 1 }
                logLossSum -= log(min(max(Double(p[row + y]), low), high))
            }
        }

        var perClass: [ClassMetrics] = []
        perClass.reserveCapacity(classes)
        var present = 0
        var precisionSum = 0.0, recallSum = 0.0, f1Sum = 0.0
        for k in 0..<classes {
            let tp = confusion[k][k]
            let support = confusion[k].reduce(0, +)
            var predictedCount = 0
            for t in 0..<classes { predictedCount += confusion[t][k] }
            let fn = support - tp, fp = predictedCount - tp
            let m = ClassMetrics(label: classLabels[k],
                                 precision: ratio(tp, tp + fp),
                                 recall: ratio(tp, tp + fn),
                                 f1: ratio(2 * tp, 2 * tp + fp + fn),
                                 support: support)
            perClass.append(m)
            if support > 0 || predictedCount > 0 {
                present += 1
                precisionSum += m.precision
                recallSum += m.recall
                f1Sum += m.f1
            }
        }

        var auc: Double?
        if classes == 2 {
            var scores = [Double](repeating: 0, count: n)
            for r in 0..<n { scores[r] = Double(probabilities.values[r * 2 + 1]) }
            auc = ROCAUC.score(scores: scores, isPositive: labels.map { $0 == 1 })
        }

        let meanLoss = n > 0 ? logLossSum / Double(n) : 0
        let classCount = Double(max(present, 1))
        return ClassificationMetrics(count: n, loss: meanLoss,
                                     accuracy: n > 0 ? Double(correct) / Double(n) : 0,
                                     precision: precisionSum / classCount,
                                     recall: recallSum / classCount,
                                     f1: f1Sum / classCount,
                                     logLoss: meanLoss, rocAUC: auc,
                                     perClass: perClass, confusion: confusion)
    }

    /// `numerator / denominator`, or 0 when `denominator == 0`.
    private static func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }
}
