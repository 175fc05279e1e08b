import Foundation
@testable import TandemReport

/// A fresh temporary directory for one test.
func temporaryDirectory(_ label: String = "report") throws -> String {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tandem-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to `directory/name`, creating parent directories.
func writeFile(_ directory: String, _ name: String, _ text: String) throws {
    let path = (directory as NSString).appendingPathComponent(name)
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// Hand-written run directories in the format `tandem train` writes.
enum RunFixture {
    /// The config.yaml of a fixture run (as Tandem writes the resolved config).
    static func config(name: String, task: String, earlyStopping: String?) -> String {
        var s = """
        name: \(name)
        data:
          path: examples/data/x.csv
          target: y
          task: \(task)
          split:
            validation: 1e-1
            test: 2e-1
        model:
          kind: mlp
          hidden:
          - 16
        train:
          epochs: 6
          batch_size: 32
          optimizer:
            name: adamw
            lr: 1e-2

        """
        if let earlyStopping {
            s += "  early_stopping:\n    metric: \(earlyStopping)\n    patience: 3\n"
        }
        s += "  eval_every: 2\noutput:\n  dir: runs/\(name)\n"
        return s
    }

    /// metrics.jsonl of a classification run: `epochs` train evaluations (steps 10, 20, ...) and a
    /// validation evaluation every second epoch, then one test line.
    static func classificationMetrics(epochs: Int) -> String {
        var lines: [String] = []
        for e in 1...epochs {
            let step = 10 * e
            let loss = 2.0 / Double(e)
            let lr = 0.01 * (1 - Double(e - 1) / Double(epochs))
            lines.append(#"{"step":\#(step),"epoch":\#(e),"split":"train","loss":\#(loss),"lr":\#(lr),"grad_norm":\#(1.0 / Double(e)),"samples_per_second":\#(1000 + e)}"#)
            if e % 2 == 0 {
                let acc = 0.5 + 0.05 * Double(e)
                lines.append(#"{"step":\#(step),"epoch":\#(e),"split":"validation","loss":\#(loss * 1.2),"accuracy":\#(acc),"precision":\#(acc),"recall":\#(acc),"f1":\#(acc - 0.01),"log_loss":\#(loss * 1.2),"lr":\#(lr),"samples_per_second":\#(1000 + e)}"#)
            }
        }
        lines.append(#"{"step":\#(10 * epochs),"epoch":\#(epochs),"split":"test","loss":0.5,"accuracy":0.8,"precision":0.8,"recall":0.8,"f1":0.79,"log_loss":0.5}"#)
        return lines.joined(separator: "\n") + "\n"
    }

    /// summary.json of a finished 3-class run with a confusion matrix.
    static let classificationSummary = """
    {
      "name": "fixture",
      "task": "classification",
      "status": "finished",
      "layout": {"world": 2, "dp": 2, "tp": 1, "pp": 1, "ranks_per_node": 2, "blas_threads": 1},
      "epochs": 6, "steps": 60, "wall_seconds": 75.5, "train_seconds": 70.0, "samples_per_second": 1234.5,
      "params_sha256": "abc123", "parameters": 99, "stopped_early": false, "best_epoch": 6,
      "classes": ["cat", "dog", "<fish & chips>"],
      "train": {"loss": 0.3, "accuracy": 0.9, "precision": 0.9, "recall": 0.9, "f1": 0.9, "log_loss": 0.3},
      "validation": {"loss": 0.4, "accuracy": 0.8, "precision": 0.8, "recall": 0.8, "f1": 0.79, "log_loss": 0.4},
      "test": {"loss": 0.5, "accuracy": 0.8, "precision": 0.8, "recall": 0.8, "f1": 0.79, "log_loss": 0.5,
               "confusion": [[5, 1, 0], [0, 4, 2], [1, 0, 7]],
               "per_class": [{"label": "cat", "precision": 0.83, "recall": 0.83, "f1": 0.83, "support": 6},
                             {"label": "dog", "precision": 0.8, "recall": 0.67, "f1": 0.73, "support": 6},
                             {"label": "<fish & chips>", "precision": 0.78, "recall": 0.88, "f1": 0.82, "support": 8}]}
    }
    """

    /// A finished classification run (6 train, 3 validation evaluations) in a new directory under `parent`.
    @discardableResult
    static func finishedClassification(in parent: String, name: String = "fixture") throws -> String {
        let dir = (parent as NSString).appendingPathComponent(name)
        try writeFile(dir, "config.yaml", config(name: "fixture", task: "classification", earlyStopping: "val_accuracy"))
        try writeFile(dir, "metrics.jsonl", classificationMetrics(epochs: 6))
        try writeFile(dir, "summary.json", classificationSummary)
        return dir
    }

    /// A finished regression run with 4 train and 4 validation evaluations; `predictions` adds predictions.csv.
    @discardableResult
    static func finishedRegression(in parent: String, name: String = "regress", predictions: Bool) throws -> String {
        let dir = (parent as NSString).appendingPathComponent(name)
        try writeFile(dir, "config.yaml", config(name: name, task: "regression", earlyStopping: nil))
        var lines: [String] = []
        for e in 1...4 {
            lines.append(#"{"step":\#(5 * e),"epoch":\#(e),"split":"train","loss":\#(1.0 / Double(e)),"lr":0.01,"grad_norm":0.5,"samples_per_second":5000.0}"#)
            lines.append(#"{"step":\#(5 * e),"epoch":\#(e),"split":"validation","loss":\#(1.1 / Double(e)),"mse":\#(1.1 / Double(e)),"mae":\#(0.9 / Double(e)),"r2":\#([0.2, 0.7, 0.6, 0.8][e - 1]),"lr":0.01,"samples_per_second":5000.0}"#)
        }
        try writeFile(dir, "metrics.jsonl", lines.joined(separator: "\n") + "\n")
        try writeFile(dir, "summary.json", """
        {"name": "\(name)", "task": "regression", "status": "finished", "layout": {"world": 1, "dp": 1, "tp": 1, "pp": 1},
         "epochs": 4, "steps": 20, "wall_seconds": 3.2, "samples_per_second": 5000.0, "params_sha256": "def456",
         "train": {"loss": 0.25, "mse": 0.25, "mae": 0.2, "r2": 0.85},
         "validation": {"loss": 0.27, "mse": 0.27, "mae": 0.22, "r2": 0.8},
         "test": {"loss": 0.3, "mse": 0.3, "mae": 0.25, "r2": 0.78}}
        """)
        if predictions {
            try writeFile(dir, "predictions.csv", "actual,predicted\n1.0,1.1\n2.0,1.8\n3.0,3.2\n4.5,4.4\n0.5,0.7\n")
        }
        return dir
    }
}
