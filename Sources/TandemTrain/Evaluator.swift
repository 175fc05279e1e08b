import TandemComm
import TandemMetrics
import TandemModel
import TandemTensor

/// Evaluates the model on a whole split with every rank's help: `localOutputs` returns this
/// rank's share of the outputs (rows in world-rank order, possibly none), the shares are
/// gathered to every rank (`MPI_Allgatherv`), and every rank computes the same metrics, so
/// decisions such as early stopping agree everywhere.
struct Evaluator {
    let head: LossHead
    let comm: Communicator
    let classes: [String]?
    /// This rank's block of outputs `[rows, probabilityWidth]` (probabilities for
    /// classification, predicted values for regression, as the network outputs them) for a split.
    let localOutputs: (PreparedSplit) throws -> [Float]

    /// Metrics on `split`, and the gathered outputs `[rows, probabilityWidth]`.
    func evaluate(_ split: PreparedSplit) throws -> (Evaluation, Matrix) {
        let n = split.count
        let width = head.probabilityWidth
        var values = try comm.allgatherv(try localOutputs(split))
        // Regression outputs back in the target's units (`data.preprocess.target_scale`).
        if classes == nil, let scaling = split.targetScaling { scaling.unscale(&values) }
        let all = Matrix(rows: n, cols: width, values: values)
        if let classes {
            return (.classification(ClassificationMetrics.compute(probabilities: all, labels: split.labels, classLabels: classes)), all)
        }
        return (.regression(RegressionMetrics.compute(predictions: all.values, targets: split.targets)), all)
    }
}
