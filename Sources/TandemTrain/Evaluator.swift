import TandemComm
import TandemMetrics
import TandemModel
import TandemTensor

/// Evaluates the network on a whole split with every rank's help: each rank predicts a
/// contiguous block of rows, the outputs are gathered to every rank (`MPI_Allgatherv`), and
/// every rank computes the same metrics, so decisions such as early stopping agree everywhere.
struct Evaluator {
    let network: Network
    let head: LossHead
    let comm: Communicator
    let classes: [String]?

    /// Metrics on `split`, and the gathered outputs `[rows, probabilityWidth]` (probabilities for
    /// classification, predicted values for regression).
    func evaluate(_ split: PreparedSplit) throws -> (Evaluation, Matrix) {
        let n = split.count
        let (start, length) = BatchPlan.slice(count: n, rank: comm.rank, ranks: comm.size)
        let width = head.probabilityWidth
        var local: [Float] = []
        if length > 0 {
            let block = Matrix(rows: length, cols: split.x.cols,
                               values: Array(split.x.values[(start * split.x.cols)..<((start + length) * split.x.cols)]))
            local = head.probabilities(network.predict(block)).values
        }
        let all = Matrix(rows: n, cols: width, values: try comm.allgatherv(local))
        if let classes {
            return (.classification(ClassificationMetrics.compute(probabilities: all, labels: split.labels, classLabels: classes)), all)
        }
        return (.regression(RegressionMetrics.compute(predictions: all.values, targets: split.targets)), all)
    }
}
