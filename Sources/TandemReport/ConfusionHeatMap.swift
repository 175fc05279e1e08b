import Foundation

/// An inline SVG heat map of a confusion matrix: rows are actual classes, columns predicted ones;
/// each cell's shade is its share of the row (recall per class), and it shows the count.
public struct ConfusionHeatMap: Sendable {
    /// `matrix[actual][predicted]` counts, square.
    public var matrix: [[Int]]
    /// Class labels in matrix order (missing ones are shown as their index).
    public var labels: [String]
    /// The title above the map.
    public var title: String

    /// A heat map of `matrix` labelled with `labels`.
    public init(matrix: [[Int]], labels: [String], title: String = "Confusion matrix (test)") {
        self.matrix = matrix
        self.labels = labels
        self.title = title
    }

    /// The `<svg>` element, with `data-plot="confusion"` and `data-cells` = the number of cells.
    public func svg() -> String {
        let n = matrix.count
        let names = (0..<n).map { i in ConfusionHeatMap.shortened(i < labels.count ? labels[i] : String(i)) }
        let font = 12.0
        let cell = max(28, min(64, 480 / Double(max(n, 1))))
        let showCounts = n <= 30
        let labelWidth = names.map { Markup.textWidth($0, fontSize: font) }.max() ?? 0
        let rotate = labelWidth + 6 > cell
        let left = 22 + 8 + labelWidth + 8, top = 36.0
        let bottomLabels = rotate ? labelWidth * 0.72 + 16 : 20
        let titleWidth = Markup.textWidth(title, fontSize: 14) * 1.05
        let width = max(left + cell * Double(n) + 24, 12 + titleWidth + 12), height = top + cell * Double(n) + bottomLabels + 34
        let c = Markup.coordinate
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"confusion\" data-cells=\"\(n * n)\" width=\"\(c(width))\" height=\"\(c(height))\" viewBox=\"0 0 \(c(width)) \(c(height))\" font-family=\"\(LinePlot.fontFamily)\" font-size=\"\(c(font))\" role=\"img\">\n"
        out += "<title>\(Markup.escape(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"#ffffff\"/>\n"
        out += "<text x=\"12\" y=\"20\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">\(Markup.escape(title))</text>\n"
        for (r, row) in matrix.enumerated() {
            let total = row.reduce(0, +)
            for (col, count) in row.enumerated() {
                let share = total > 0 ? Double(count) / Double(total) : 0
                let x = left + Double(col) * cell, y = top + Double(r) * cell
                out += "<g class=\"cell\"><rect x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(cell))\" height=\"\(c(cell))\" fill=\"\(ConfusionHeatMap.shade(share))\" stroke=\"#ffffff\" stroke-width=\"1\">"
                out += "<title>actual \(Markup.escape(names[r])), predicted \(Markup.escape(names[col])): \(count) (\(String(format: "%.1f", share * 100))% of the row)</title></rect>"
                if showCounts {
                    out += "<text x=\"\(c(x + cell / 2))\" y=\"\(c(y + cell / 2))\" dy=\"0.35em\" text-anchor=\"middle\" fill=\"\(share > 0.5 ? "#ffffff" : "#222222")\">\(count)</text>"
                }
                out += "</g>\n"
            }
        }
        out += "<g class=\"labels\" fill=\"#333\">\n"
        for (i, name) in names.enumerated() {
            let mid = Double(i) * cell + cell / 2
            out += "<text x=\"\(c(left - 6))\" y=\"\(c(top + mid))\" dy=\"0.35em\" text-anchor=\"end\">\(Markup.escape(name))</text>\n"
            let lx = left + mid, ly = top + cell * Double(n) + 16
            if rotate {
                out += "<text x=\"\(c(lx))\" y=\"\(c(ly))\" text-anchor=\"end\" transform=\"rotate(-45 \(c(lx)) \(c(ly)))\">\(Markup.escape(name))</text>\n"
            } else {
                out += "<text x=\"\(c(lx))\" y=\"\(c(ly))\" text-anchor=\"middle\">\(Markup.escape(name))</text>\n"
            }
        }
        out += "</g>\n"
        let midY = top + cell * Double(n) / 2
        out += "<text class=\"axis-title\" x=\"\(c(left + cell * Double(n) / 2))\" y=\"\(c(height - 10))\" text-anchor=\"middle\" fill=\"#222\">predicted</text>\n"
        out += "<text class=\"axis-title\" x=\"16\" y=\"\(c(midY))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(c(midY)))\" fill=\"#222\">actual</text>\n"
        out += "</svg>"
        return out
    }

    /// White (0) to dark blue (1), as `#rrggbb`.
    static func shade(_ share: Double) -> String {
        let t = min(max(share.isFinite ? share : 0, 0), 1)
        let from = (247.0, 251.0, 255.0), to = (8.0, 48.0, 107.0)
        let r = Int((from.0 + (to.0 - from.0) * t).rounded()), g = Int((from.1 + (to.1 - from.1) * t).rounded()),
            b = Int((from.2 + (to.2 - from.2) * t).rounded())
        return String(format: "#%02x%02x%02x", r, g, b)
    }

    /// Labels longer than 16 characters end in an ellipsis.
    static func shortened(_ s: String) -> String {
        s.count > 16 ? String(s.prefix(15)) + "\u{2026}" : s
    }
}
