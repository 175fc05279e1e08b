import Foundation

/// One named series of a `LinePlot`.
public struct PlotSeries: Sendable {
    /// How the points are drawn.
    public enum Style: Sendable {
        /// A polyline through the points (with dots when there are few).
        case line
        /// Dots only (a scatter plot).
        case markers
    }

    /// The legend label, e.g. `train`.
    public var name: String
    /// The points in drawing order; non-finite ones are left out.
    public var points: [(x: Double, y: Double)]
    /// Line or dots.
    public var style: Style
    /// A CSS color; nil takes the next one of the palette.
    public var color: String?

    /// A series called `name` through `points`.
    public init(name: String, points: [(x: Double, y: Double)], style: Style = .line, color: String? = nil) {
        self.name = name
        self.points = points
        self.style = style
        self.color = color
    }
}

/// An inline SVG chart with axes, nice ticks and labels, axis titles, a legend (when there are
/// several series, or dots) and one element per series carrying `data-series="NAME"` and
/// `data-points="N"` (N = points drawn).
///
/// The SVG is well-formed XML with every text escaped; fonts are 12 px (title 14 px) and the
/// margins grow with the tick labels so nothing is clipped.
public struct LinePlot: Sendable {
    /// Identifies the plot: the `<svg>` gets `data-plot="ID"`.
    public var id: String
    /// The title above the plot and the two axis titles.
    public var title, xLabel, yLabel: String
    /// The series, drawn in order.
    public var series: [PlotSeries]
    /// Size in pixels.
    public var width: Double = 540, height: Double = 320
    /// Whether x ticks are whole numbers (steps).
    public var integerX = true
    /// Draws the line y = x and gives both axes the same range (predicted vs actual).
    public var diagonal = false

    /// The default series colors (colorblind-friendly Tableau 10).
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// A plot `id` titled `title` with axis titles `xLabel`, `yLabel` showing `series`.
    public init(id: String, title: String, xLabel: String, yLabel: String, series: [PlotSeries]) {
        self.id = id
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The `<svg>` element.
    public func svg() -> String {
        let drawn = series.map { s in s.points.filter { $0.x.isFinite && $0.y.isFinite } }
        let all = drawn.flatMap { $0 }
        var xs = all.map(\.x), ys = all.map(\.y)
        if diagonal { xs += ys; ys = xs }
        let xTicks = AxisTicks(min: xs.min() ?? 0, max: xs.max() ?? 1, count: diagonal ? 6 : 7, integer: integerX && !diagonal)
        let yTicks = AxisTicks(min: ys.min() ?? 0, max: ys.max() ?? 1, count: 6)
        let font = 12.0
        let yLabelWidth = yTicks.values.map { Markup.textWidth(yTicks.label($0), fontSize: font) }.max() ?? 0
        let lastX = Markup.textWidth(xTicks.label(xTicks.upper), fontSize: font)
        let showLegend = series.count > 1 || series.contains { $0.style == .markers }
        let left = 22 + 8 + yLabelWidth + 8, right = max(16, lastX / 2 + 6), top = showLegend ? 56.0 : 36.0, bottom = 52.0
        let plotW = max(width - left - right, 10), plotH = max(height - top - bottom, 10)
        func px(_ x: Double) -> Double { left + (x - xTicks.lower) / (xTicks.upper - xTicks.lower) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yTicks.lower) / (yTicks.upper - yTicks.lower) * plotH }
        let c = Markup.coordinate
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"\(Markup.escape(id))\" width=\"\(c(width))\" height=\"\(c(height))\" viewBox=\"0 0 \(c(width)) \(c(height))\" font-family=\"\(LinePlot.fontFamily)\" font-size=\"\(c(font))\" role=\"img\">\n"
        out += "<title>\(Markup.escape(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"#ffffff\"/>\n"
        out += "<text x=\"\(c(left))\" y=\"20\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">\(Markup.escape(title))</text>\n"
        // Grid and tick labels.
        out += "<g class=\"grid\" stroke=\"#e6e6e6\" stroke-width=\"1\">\n"
        for t in yTicks.values { out += "<line x1=\"\(c(left))\" y1=\"\(c(py(t)))\" x2=\"\(c(left + plotW))\" y2=\"\(c(py(t)))\"/>\n" }
        for t in xTicks.values { out += "<line x1=\"\(c(px(t)))\" y1=\"\(c(top))\" x2=\"\(c(px(t)))\" y2=\"\(c(top + plotH))\"/>\n" }
        out += "</g>\n<g class=\"ticks\" fill=\"#333\">\n"
        for t in yTicks.values {
            out += "<text x=\"\(c(left - 6))\" y=\"\(c(py(t)))\" dy=\"0.35em\" text-anchor=\"end\">\(Markup.escape(yTicks.label(t)))</text>\n"
        }
        for t in xTicks.values {
            out += "<text x=\"\(c(px(t)))\" y=\"\(c(top + plotH + 18))\" text-anchor=\"middle\">\(Markup.escape(xTicks.label(t)))</text>\n"
        }
        out += "</g>\n"
        out += "<path class=\"axes\" d=\"M\(c(left)),\(c(top))V\(c(top + plotH))H\(c(left + plotW))\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\"/>\n"
        out += "<text class=\"axis-title\" x=\"\(c(left + plotW / 2))\" y=\"\(c(height - 10))\" text-anchor=\"middle\" fill=\"#222\">\(Markup.escape(xLabel))</text>\n"
        let midY = top + plotH / 2
        out += "<text class=\"axis-title\" x=\"16\" y=\"\(c(midY))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(c(midY)))\" fill=\"#222\">\(Markup.escape(yLabel))</text>\n"
        if diagonal {
            out += "<line class=\"reference\" x1=\"\(c(px(xTicks.lower)))\" y1=\"\(c(py(xTicks.lower)))\" x2=\"\(c(px(xTicks.upper)))\" y2=\"\(c(py(yTicks.upper)))\" stroke=\"#888\" stroke-dasharray=\"5 4\" stroke-width=\"1.2\"/>\n"
        }
        if all.isEmpty {
            out += "<text x=\"\(c(left + plotW / 2))\" y=\"\(c(midY))\" text-anchor=\"middle\" fill=\"#777\">no data</text>\n"
        }
        // Series and legend.
        var legendX = left
        for (i, s) in series.enumerated() {
            let color = Markup.escape(s.color ?? LinePlot.palette[i % LinePlot.palette.count])
            let pts = drawn[i]
            let name = Markup.escape(s.name)
            switch s.style {
            case .line:
                let coords = pts.map { "\(c(px($0.x))),\(c(py($0.y)))" }.joined(separator: " ")
                out += "<polyline class=\"series\" data-series=\"\(name)\" data-points=\"\(pts.count)\" points=\"\(coords)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n"
                if pts.count <= 60 {
                    out += "<g class=\"markers\" fill=\"\(color)\">"
                    for p in pts { out += "<circle cx=\"\(c(px(p.x)))\" cy=\"\(c(py(p.y)))\" r=\"2.5\"/>" }
                    out += "</g>\n"
                }
            case .markers:
                out += "<g class=\"series\" data-series=\"\(name)\" data-points=\"\(pts.count)\" fill=\"\(color)\" fill-opacity=\"0.65\">"
                for p in pts { out += "<circle cx=\"\(c(px(p.x)))\" cy=\"\(c(py(p.y)))\" r=\"3\"/>" }
                out += "</g>\n"
            }
            guard showLegend else { continue }
            out += "<g class=\"legend\">"
            if s.style == .line {
                out += "<line x1=\"\(c(legendX))\" y1=\"38\" x2=\"\(c(legendX + 18))\" y2=\"38\" stroke=\"\(color)\" stroke-width=\"2.5\"/>"
            } else {
                out += "<circle cx=\"\(c(legendX + 9))\" cy=\"38\" r=\"4\" fill=\"\(color)\"/>"
            }
            out += "<text x=\"\(c(legendX + 24))\" y=\"38\" dy=\"0.35em\" fill=\"#222\">\(name)</text></g>\n"
            legendX += 24 + Markup.textWidth(s.name, fontSize: font) + 18
        }
        out += "</svg>"
        return out
    }

    /// The font stack of every plot.
    static let fontFamily = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
}
