import ArgumentParser
import Foundation
import TandemArtifact
import TandemTensor

/// `tandem predict MODEL --input CSV --output CSV`: batch predictions, no MPI.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict with an exported model (a model directory, or a run directory's model/).",
        discussion: "Writes a `prediction` column (class label or value) and, for classification, one `prob_<label>` column per class, with exactly the training preprocessing."
    )

    @Argument(help: "Model directory (from tandem export, or RUN/model).") var model: String
    @Option(help: "Input CSV or .npy with the model's feature columns.") var input: String
    @Option(help: "Output CSV (default: standard output).") var output: String?
    @Option(name: .customLong("keep"), help: ArgumentHelp("Copy this input column (an ID, say) into the output, in front of the predictions (repeatable; CSV input).", valueName: "COL"))
    var keep: [String] = []

    func run() throws {
        BLASThreads.set(BLASThreads.current)  // the GEMM kernel takes OpenBLAS's default (OPENBLAS_NUM_THREADS, else the CPUs)
        let predictor = try Predictor(ModelArtifact.load(ModelPath.resolve(model)))
        let begin = ContinuousClock.now
        let rows: Int
        if input.lowercased().hasSuffix(".npy") {
            if !keep.isEmpty { throw ValidationError("--keep copies named columns of a CSV input; a .npy input has no column names") }
            let table = try predictor.load(input)
            let text = Data(try predictor.csv(table: table).utf8)
            rows = table.rowCount
            if let output { try OutputFile.write(output) { try $0(Array(text)) } } else { FileHandle.standardOutput.write(text) }
        } else if let output {
            var count = 0
            try OutputFile.write(output) { count = try StreamingPredictor(predictor).predictCSV(path: input, keep: keep, write: $0) }
            rows = count
        } else {
            // Standard output gets nothing unless every row predicts.
            var text: [UInt8] = []
            rows = try StreamingPredictor(predictor).predictCSV(path: input, keep: keep) { text += $0 }
            FileHandle.standardOutput.write(Data(text))
        }
        if let output {
            let seconds = begin.secondsElapsed
            FileHandle.standardError.write(Data("predicted \(rows) rows in \(String(format: "%.3f", seconds)) s (\(Int(Double(rows) / max(seconds, 1e-9))) rows/s) -> \(output)\n".utf8))
        }
    }
}

/// An output file written in pieces and replaced atomically: the pieces go to a temporary file
/// next to it, renamed over `path` only when all are written, so a failure leaves `path` as it was.
enum OutputFile {
    /// Calls `body` with a function that appends bytes; throws `ValidationError` naming `path`
    /// when it cannot be written, and rethrows what `body` throws (removing the temporary file).
    static func write(_ path: String, _ body: ((([UInt8]) throws -> Void)) throws -> Void) throws {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw ValidationError("cannot write \(path): cannot create \(temporary)")
        }
        var finished = false
        defer {
            try? handle.close()
            if !finished { try? FileManager.default.removeItem(atPath: temporary) }
        }
        try body { bytes in
            do { try handle.write(contentsOf: bytes) } catch { throw ValidationError("cannot write \(path): \(error.localizedDescription)") }
        }
        do { try handle.close() } catch { throw ValidationError("cannot write \(path): \(error.localizedDescription)") }
        guard rename(temporary, path) == 0 else {
            throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        finished = true
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
