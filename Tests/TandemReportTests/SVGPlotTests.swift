import Foundation
import Testing
@testable import TandemReport

@Suite struct SVGPlotTests {
    @Test func escapesEveryText() {
        #expect(Markup.escape("a<b & \"c\" 'd' >") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39; &gt;")
        #expect(Markup.escape("tab\tok\u{01}bad") == "tab\tok\u{FFFD}bad")
        #expect(Markup.escape("R² ✓") == "R² ✓")
    }

    @Test func seriesCarryPointCountsAndParseAsXML() throws {
        let plot = LinePlot(id: "loss", title: "Loss <&>", xLabel: "step", yLabel: "loss \"nats\"", series: [
            PlotSeries(name: "train", points: (1...40).map { (i: Int) -> (x: Double, y: Double) in (Double(i * 10), 1 / Double(i)) }),
            PlotSeries(name: "validation & co", points: [(20, 0.9), (40, .nan), (60, 0.5)]),
        ])
        let svg = plot.svg()
        let doc = try parseXML(svg)
        let series = try elements(doc, "//*[@class='series']")
        #expect(series.map { attribute($0, "data-series") } == ["train", "validation & co"])
        #expect(series.map { attribute($0, "data-points") } == ["40", "2"])
        #expect(series.allSatisfy { $0.localName == "polyline" })
        let points = attribute(series[0], "points")?.split(separator: " ") ?? []
        #expect(points.count == 40)
        #expect(svg.contains("Loss &lt;&amp;&gt;"))
        #expect(svg.contains("loss &quot;nats&quot;"))
        let texts = try elements(doc, "//*[local-name()='text']").map(\.stringValue)
        #expect(texts.contains("Loss <&>"))
        #expect(texts.contains("step"))
        #expect(texts.contains("train") && texts.contains("validation & co"), "legend")
    }

    @Test func textFitsInsideTheViewBox() throws {
        let points: [(x: Double, y: Double)] = (1...50).map { i in
            let x = Double(i) * 1000
            return (x: x, y: 2_000_000 + x)
        }
        let plot = LinePlot(id: "rate", title: "Throughput", xLabel: "step", yLabel: "samples / s",
                            series: [PlotSeries(name: "rate", points: points)])
        let doc = try parseXML(plot.svg())
        for text in try elements(doc, "//*[local-name()='text']") {
            let x = Double(attribute(text, "x") ?? "") ?? -1
            let y = Double(attribute(text, "y") ?? "") ?? -1
            #expect(x >= 0 && x <= plot.width && y >= 0 && y <= plot.height, "\(text.stringValue ?? "") at \(x),\(y)")
            if attribute(text, "text-anchor") == "end" {
                let width = Markup.textWidth(text.stringValue ?? "", fontSize: 12)
                #expect(x - width >= 0, "\(text.stringValue ?? "") clipped on the left")
            }
        }
        let sizes = try elements(doc, "//*[@font-size]").compactMap { Double(attribute($0, "font-size") ?? "") }
        #expect(sizes.allSatisfy { $0 >= 11 })
    }

    @Test func emptyPlotSaysNoData() throws {
        let plot = LinePlot(id: "x", title: "Empty", xLabel: "step", yLabel: "y", series: [PlotSeries(name: "a", points: [])])
        let doc = try parseXML(plot.svg())
        #expect(try elements(doc, "//*[@class='series']").map { attribute($0, "data-points") } == ["0"])
        #expect(plot.svg().contains(">no data<"))
    }

    @Test func scatterWithDiagonal() throws {
        var plot = LinePlot(id: "p", title: "Predicted vs actual", xLabel: "actual", yLabel: "predicted",
                            series: [PlotSeries(name: "examples", points: [(1, 1.2), (2, 1.9), (3, 3.3)], style: .markers)])
        plot.diagonal = true
        let doc = try parseXML(plot.svg())
        let series = try elements(doc, "//*[@class='series']")
        #expect(series.count == 1 && attribute(series[0], "data-points") == "3")
        #expect(try elements(doc, "//*[@class='series']/*[local-name()='circle']").count == 3)
        #expect(try elements(doc, "//*[@class='reference']").count == 1)
    }

    @Test func confusionHeatMapCells() throws {
        let map = ConfusionHeatMap(matrix: [[5, 1], [2, 0]], labels: ["a & b", "c"])
        let doc = try parseXML(map.svg())
        let cells = try elements(doc, "//*[@class='cell']")
        #expect(cells.count == 4)
        let counts = try elements(doc, "//*[@class='cell']/*[local-name()='text']").compactMap(\.stringValue)
        #expect(counts == ["5", "1", "2", "0"])
        #expect(map.svg().contains("a &amp; b"))
        #expect(ConfusionHeatMap.shade(0) == "#f7fbff")
        #expect(ConfusionHeatMap.shade(1) == "#08306b")
    }
}
