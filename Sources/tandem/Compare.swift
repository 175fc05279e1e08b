import ArgumentParser
import Foundation
import TandemArtifact

/// `tandem compare A B --input labelled.csv`: champion (A) against challenger (B).
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate two exported models on the same labelled data and say which one to promote.",
        discussion: "A is the champion, B the challenger: B is promoted only when strictly better under --metric (default: accuracy for classification, r2 for regression)."
    )

    @Argument(help: "Model A, the champion (model directory, RUN/model, or a run directory).") var a: String
    @Argument(help: "Model B, the challenger.") var b: String
    @Option(help: "Labelled CSV or .npy with both models' feature columns and their target column.") var input: String
    @Option(help: "Deciding metric: accuracy, precision, recall, f1, log_loss, roc_auc, loss (classification); r2, mse, mae, loss (regression).")
    var metric: String?

    func run() throws {
        let pa = ModelPath.resolve(a), pb = ModelPath.resolve(b)
        let comparison = try ModelComparison.evaluate(Predictor(ModelArtifact.load(pa)), Predictor(ModelArtifact.load(pb)),
                                                      input: input, metric: metric)
        print(comparison.report(nameA: pa, nameB: pb), terminator: "")
    }
}
