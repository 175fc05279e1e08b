import TandemMetrics

/// The tables of a run report (XHTML fragments, every text escaped).
enum ReportTables {
    /// The facts under the title: status, task, layout, size, time, checksums.
    static func facts(_ files: RunFiles, _ record: RunRecord) -> String {
        let s = files.summary
        var rows: [(String, String)] = []
        rows.append(("task", record.task ?? "unknown"))
        var layout = record.layout ?? "-"
        if let world = s?.world { layout += " (world \(world))" }
        rows.append(("layout", layout))
        if let e = record.epochs { rows.append(("epochs", String(e) + (s?.stoppedEarly == true ? " (stopped early)" : ""))) }
        if let st = record.steps { rows.append(("steps", Markup.grouped(st))) }
        if let b = s?.bestEpoch { rows.append(("best epoch", String(b))) }
        if let w = record.wallSeconds { rows.append(("wall time", ProgressBar.duration(w) + String(format: " (%.1f s)", w))) }
        if let r = s?.samplesPerSecond { rows.append(("throughput", Markup.grouped(Int(r.rounded())) + " samples/s (training only)")) }
        if let p = s?.parameters { rows.append(("parameters", Markup.grouped(p))) }
        if let b = record.bestValidation {
            rows.append(("best validation", "\(b.name) \(Markup.number(b.value))" + (b.step.map { " at step \($0)" } ?? "")))
        }
        if let classes = s?.classes { rows.append(("classes", classes.count <= 20 ? classes.joined(separator: ", ") : "\(classes.count) classes")) }
        var html = "<table class=\"facts\">\n"
        for (k, v) in rows { html += "<tr><th>\(Markup.escape(k))</th><td>\(Markup.escape(v))</td></tr>\n" }
        for (k, v) in [("params_sha256", s?.paramsSHA256), ("data_sha256", s?.dataSHA256)] {
            if let v { html += "<tr><th>\(k)</th><td class=\"mono\">\(Markup.escape(v))</td></tr>\n" }
        }
        html += "<tr><th>directory</th><td class=\"mono\">\(Markup.escape(files.directory))</td></tr>\n"
        if let f = record.failure { html += "<tr><th>failure</th><td class=\"error\">\(Markup.escape(f))</td></tr>\n" }
        return html + "</table>"
    }

    /// Final metrics per split: summary.json when present, else the last evaluation of each split.
    static func finalMetrics(_ files: RunFiles) -> String {
        let splits = ["train", "validation", "test"]
        var values: [String: [String: Double]] = files.summary?.splits ?? [:]
        var source = "summary.json"
        if values.isEmpty, let log = files.metrics {
            source = "the last evaluation of each split in metrics.jsonl"
            let skip: Set<String> = ["lr", "samples_per_second", "grad_norm"]
            for split in splits { values[split] = log.entries(of: split).last?.values.filter { !skip.contains($0.key) } }
        }
        let present = splits.filter { !(values[$0]?.isEmpty ?? true) }
        guard !present.isEmpty else { return "<p class=\"note\">No final metrics yet.</p>" }
        let known = files.task == "regression" ? MetricName.regression : MetricName.classification
        let names = Set(present.flatMap { values[$0]?.keys.map { $0 } ?? [] })
        let ordered = known.filter(names.contains) + names.subtracting(known).sorted()
        var html = "<table class=\"metrics\" data-table=\"final-metrics\">\n<thead><tr><th>metric</th>"
        for split in present { html += "<th>\(split)</th>" }
        html += "</tr></thead>\n<tbody>\n"
        for name in ordered {
            html += "<tr><td>\(Markup.escape(name))</td>"
            for split in present { html += "<td>\(Markup.number(values[split]?[name]))</td>" }
            html += "</tr>\n"
        }
        html += "</tbody></table>\n<p class=\"note\">From \(Markup.escape(source)).</p>"
        return html
    }

    /// Per-class precision, recall, F1 and support of the test split (empty when absent).
    static func perClass(_ rows: [RunSummary.ClassRow]) -> String {
        guard !rows.isEmpty else { return "" }
        var html = "<table class=\"metrics\" data-table=\"per-class\">\n<thead><tr><th>class</th><th>precision</th><th>recall</th><th>f1</th><th>support</th></tr></thead>\n<tbody>\n"
        for r in rows {
            html += "<tr><td>\(Markup.escape(r.label))</td><td>\(Markup.number(r.precision))</td><td>\(Markup.number(r.recall))</td>"
            html += "<td>\(Markup.number(r.f1))</td><td>\(r.support.map(String.init) ?? "-")</td></tr>\n"
        }
        return html + "</tbody></table>"
    }
}
