import ArgumentParser
import Foundation
import TandemArtifact

/// `tandem predict MODEL --input CSV --output CSV`: batch predictions, no MPI.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict with an exported model (a model directory, or a run directory's model/).",
        discussion: "Writes a `prediction` column (class label or value) and, for classification, one `prob_<label>` column per class, with exactly the training preprocessing."
    )

    @Argument(help: "Model directory (from tandem export, or RUN/model).") var model: String
    @Option(help: "Input CSV or .npy with the model's feature columns.") var input: String
    @Option(help: "Output CSV (default: standard output).") var output: String?

    func run() throws {
        let predictor = try Predictor(ModelArtifact.load(ModelPath.resolve(model)))
        let begin = Date()
        let table = try predictor.load(input)
        let text = try predictor.csv(table: table)
        if let output {
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw ValidationError("cannot write \(output): \(error.localizedDescription)")
            }
            let seconds = Date().timeIntervalSince(begin)
            FileHandle.standardError.write(Data("predicted \(table.rowCount) rows in \(String(format: "%.3f", seconds)) s (\(Int(Double(table.rowCount) / max(seconds, 1e-9))) rows/s) -> \(output)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

/// `tandem evaluate MODEL --input CSV`: metrics of an exported model on labelled data.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate an exported model on labelled data (the target column named as at training)."
    )

    @Argument(help: "Model directory (from tandem export, or RUN/model).") var model: String
    @Option(help: "Labelled CSV or .npy.") var input: String

    func run() throws {
        let predictor = try Predictor(ModelArtifact.load(ModelPath.resolve(model)))
        let table = try predictor.load(input)
        let metrics = try predictor.evaluate(table: table)
        print("\(table.rowCount) rows: " + metrics.map { "\($0.0) \(String(format: "%.4f", $0.1))" }.joined(separator: "  "))
    }
}

/// `tandem export RUN --output DIR`: the trained model as a self-contained directory.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a finished run's model (model.safetensors + model.json) to a directory."
    )

    @Argument(help: "Run directory (runs/NAME) or model directory.") var source: String
    @Option(help: "Directory to write the model into.") var output: String

    func run() throws {
        let artifact = try ModelArtifact.load(ModelPath.resolve(source))
        try artifact.write(to: output)
        print("exported \(artifact.manifest.name) (\(artifact.manifest.task.rawValue), \(artifact.manifest.architecture.widths.map(String.init).joined(separator: "-"))) to \(output)")
    }
}

/// A run directory stands for its `model/` subdirectory.
enum ModelPath {
    static func resolve(_ path: String) -> String {
        let model = URL(fileURLWithPath: path).appendingPathComponent("model").path
        return FileManager.default.fileExists(atPath: model + "/model.json") ? model : path
    }
}
