/// The plots of a run report, built from `metrics.jsonl` (x = optimizer step).
enum ReportCharts {
    /// Loss of the train and validation splits (one series per split that has any).
    static func loss(_ log: MetricsLog) -> LinePlot {
        LinePlot(id: "loss", title: "Loss", xLabel: "step", yLabel: "loss",
                 series: splitSeries(log, "loss", splits: ["train", "validation"]))
    }

    /// Validation metric curves: accuracy, F1 and ROC-AUC (classification) or R² and MAE (regression).
    static func metrics(_ log: MetricsLog, task: String?) -> [LinePlot] {
        if task == "regression" {
            return [
                LinePlot(id: "r2", title: "Validation R\u{00B2}", xLabel: "step", yLabel: "R\u{00B2}",
                         series: [series(log, "validation", "r2", name: "validation R\u{00B2}")]),
                LinePlot(id: "mae", title: "Validation mean absolute error", xLabel: "step", yLabel: "MAE",
                         series: [series(log, "validation", "mae", name: "validation MAE")]),
            ]
        }
        let names = ["accuracy", "f1", "roc_auc"].filter { !log.series("validation", $0).isEmpty }
        return [LinePlot(id: "metrics", title: "Validation metrics", xLabel: "step", yLabel: "score",
                         series: names.map { series(log, "validation", $0, name: "validation \($0)") })]
    }

    /// The learning rate, per-step throughput and gradient norm (from the train split, else validation).
    static func training(_ log: MetricsLog) -> [LinePlot] {
        var plots: [LinePlot] = []
        let specs: [(metric: String, id: String, title: String, y: String)] = [
            ("lr", "lr", "Learning rate schedule", "learning rate"),
            ("samples_per_second", "throughput", "Throughput", "samples / s"),
            ("grad_norm", "grad-norm", "Gradient norm (before clipping)", "L2 norm"),
        ]
        for spec in specs {
            let split = log.series("train", spec.metric).isEmpty ? "validation" : "train"
            let s = series(log, split, spec.metric, name: spec.title.lowercased())
            if s.points.isEmpty && spec.metric == "grad_norm" { continue }
            plots.append(LinePlot(id: spec.id, title: spec.title, xLabel: "step", yLabel: spec.y, series: [s]))
        }
        return plots
    }

    /// Predicted against actual values with the line y = x.
    static func scatter(_ pairs: [(actual: Double, predicted: Double)]) -> LinePlot {
        var plot = LinePlot(id: "predictions", title: "Predicted vs actual (test)", xLabel: "actual", yLabel: "predicted",
                            series: [PlotSeries(name: "examples", points: pairs.map { ($0.actual, $0.predicted) }, style: .markers)])
        plot.diagonal = true
        plot.integerX = false
        plot.width = 460
        plot.height = 420
        return plot
    }

    private static func splitSeries(_ log: MetricsLog, _ metric: String, splits: [String]) -> [PlotSeries] {
        splits.enumerated().compactMap { i, split in
            let points = log.series(split, metric)
            guard !points.isEmpty else { return nil }
            return PlotSeries(name: split, points: points.map { (Double($0.step), $0.value) }, color: LinePlot.palette[i])
        }
    }

    private static func series(_ log: MetricsLog, _ split: String, _ metric: String, name: String) -> PlotSeries {
        PlotSeries(name: name, points: log.series(split, metric).map { (Double($0.step), $0.value) })
    }
}
