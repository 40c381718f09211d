import Foundation

/// The page's charts, drawn as inline SVG here rather than by a script, so they show in any
/// viewer (and in a mail client that runs no JavaScript) and compare byte for byte run to run.
extension EvalHTMLReport {
    // MARK: Metric bars

    /// One horizontal bar chart per metric: a bar per evaluation, long labels fit on the left
    /// however many variants a matrix has.
    static func metricsSection(_ reports: [EvalReport]) -> String {
        let names = EvalReport.metricNames(reports)
        var html = #"<section id="metrics"><h2>Metrics</h2>"# + "\n"
        guard !names.isEmpty else { return html + #"<p class="empty">No metrics were measured.</p></section>"# + "\n" }
        html += #"<p class="note">Mean score per evaluation; whiskers: 95% bootstrap interval; dashed line: the threshold the mean must reach.</p>"#
        html += "\n<div class=\"cards\">\n"
        for name in names {
            let detail = reports.lazy.compactMap { $0.metrics.first { $0.name == name }?.detail }.first ?? ""
            html += "<figure class=\"card\" data-metric=\"\(escape(name))\"><figcaption><strong>\(escape(name))</strong>"
            if !detail.isEmpty { html += " <span class=\"sub\">\(escape(detail))</span>" }
            html += "</figcaption>\n\(metricChart(name, reports))</figure>\n"
        }
        return html + "</div></section>\n"
    }

    /// A bar is drawn from zero to the mean; a NaN mean (no row scored) gets a note instead.
    private static func metricChart(_ name: String, _ reports: [EvalReport]) -> String {
        let entries = reports.enumerated().compactMap { i, r in r.summaries.first { $0.name == name }.map { (i, r, $0) } }
        let width = 640.0, labelWidth = 200.0, valueWidth = 150.0, rowHeight = 30.0, top = 22.0, bottom = 24.0
        let height = top + rowHeight * Double(entries.count) + bottom
        let finite = entries.flatMap { [$0.2.mean, $0.2.low, $0.2.high, $0.2.threshold ?? 0] }.filter(\.isFinite)
        // Scores are usually in [0, 1]; the axis keeps that range and widens for metrics that leave it.
        let lo = min(0, finite.min() ?? 0), hi = max(1, finite.max() ?? 1)
        let x0 = labelWidth, x1 = width - valueWidth
        func x(_ v: Double) -> Double { x0 + (v - lo) / (hi - lo) * (x1 - x0) }

        var svg = "<svg class=\"chart metric-chart\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(escape(name)) by evaluation\">"
        for tick in ticks(lo, hi) {
            svg += "<line class=\"grid\" x1=\"\(f(x(tick)))\" x2=\"\(f(x(tick)))\" y1=\"\(f(top))\" y2=\"\(f(height - bottom))\"/>"
            svg += "<text class=\"tick\" x=\"\(f(x(tick)))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(tickLabel(tick, hi - lo))</text>"
        }
        for (row, (index, report, summary)) in entries.enumerated() {
            let y = top + rowHeight * Double(row), mid = y + rowHeight / 2
            let label = report.variant?.label ?? report.title
            svg += "<text class=\"label\" x=\"\(f(x0 - 10))\" y=\"\(f(mid + 4))\" text-anchor=\"end\"><title>\(escape(report.title))</title>\(escape(truncated(label, 30)))</text>"
            guard summary.mean.isFinite else {
                svg += "<text class=\"value muted\" x=\"\(f(x0 + 6))\" y=\"\(f(mid + 4))\">no rows scored</text>"
                continue
            }
            let a = x(min(0, summary.mean)), b = x(max(0, summary.mean))
            svg += "<rect class=\"bar c\(index % paletteSize)\" x=\"\(f(a))\" y=\"\(f(mid - 7))\" width=\"\(f(max(b - a, 1)))\" height=\"14\" rx=\"2\""
            svg += " data-report=\"\(index)\" data-mean=\"\(number(summary.mean, digits: 4))\"><title>\(escape(report.title)): mean \(number(summary.mean, digits: 4)) over \(summary.count) rows</title></rect>"
            if summary.low.isFinite, summary.high.isFinite, summary.high > summary.low {
                let l = f(x(summary.low)), h = f(x(summary.high))
                svg += "<path class=\"ci\" d=\"M\(l) \(f(mid))H\(h)M\(l) \(f(mid - 5))V\(f(mid + 5))M\(h) \(f(mid - 5))V\(f(mid + 5))\"/>"
            }
            var value = "\(number(summary.mean)) [\(number(summary.low)), \(number(summary.high))]"
            if let passed = summary.passed { value += passed ? " ✓" : " ✗" }
            let state = summary.passed.map { $0 ? " pass" : " fail" } ?? ""
            svg += "<text class=\"value\(state)\" x=\"\(f(x1 + 10))\" y=\"\(f(mid + 4))\">\(escape(value))</text>"
        }
        svg += thresholdLines(entries.map(\.2.threshold), x: x, top: top, rowHeight: rowHeight)
        return svg + "</svg>"
    }

    /// The threshold as one dashed line when the evaluations share it, else a segment per bar.
    private static func thresholdLines(_ thresholds: [Double?], x: (Double) -> Double, top: Double, rowHeight: Double) -> String {
        let present = thresholds.compactMap { $0 }.filter(\.isFinite)
        guard let first = present.first else { return "" }
        let bottom = top + rowHeight * Double(thresholds.count)
        if present.count == thresholds.count && present.allSatisfy({ $0 == first }) {
            let at = f(x(first))
            return "<line class=\"threshold\" x1=\"\(at)\" x2=\"\(at)\" y1=\"\(f(top - 6))\" y2=\"\(f(bottom))\"/>"
                + "<text class=\"tick threshold-label\" x=\"\(at)\" y=\"\(f(top - 9))\" text-anchor=\"middle\">threshold \(number(first))</text>"
        }
        return thresholds.enumerated().compactMap { row, t -> String? in
            guard let t, t.isFinite else { return nil }
            let y = top + rowHeight * Double(row), at = f(x(t))
            return "<line class=\"threshold\" x1=\"\(at)\" x2=\"\(at)\" y1=\"\(f(y + 3))\" y2=\"\(f(y + rowHeight - 3))\"><title>threshold \(number(t))</title></line>"
        }.joined()
    }

    // MARK: Latency and cost histograms

    private static let binCount = 16

    /// Per evaluation, the spread of the rows' latency and cost on axes shared by all the
    /// evaluations, so a slower or dearer variant shows as a shift to the right.
    static func distributionSection(_ reports: [EvalReport]) -> String {
        var html = #"<section id="distributions"><h2>Latency and cost</h2>"# + "\n"
        guard reports.contains(where: { !$0.rows.isEmpty }) else {
            return html + #"<p class="empty">No rows to show.</p></section>"# + "\n"
        }
        html += #"<p class="note">Rows per bin; the axes are shared by all evaluations.</p>"# + "\n<div class=\"cards\">\n"
        let latencyMax = reports.flatMap { $0.rows.map(\.latency) }.filter(\.isFinite).max() ?? 0
        let costMax = reports.flatMap { $0.rows.filter(\.costKnown).map { Money.double($0.cost) } }.filter(\.isFinite).max() ?? 0
        for (i, report) in reports.enumerated() {
            html += "<figure class=\"card\" data-report=\"\(i)\"><figcaption>\(swatch(i))<strong>\(escape(report.title))</strong></figcaption>\n"
            guard !report.rows.isEmpty else {
                html += "<p class=\"empty\">No rows.</p></figure>\n"
                continue
            }
            let latencies = report.rows.map(\.latency)
            let sorted = latencies.filter(\.isFinite).sorted()
            let latencyNote = "median \(duration(EvalStatistics.quantile(sorted, 0.5))) · p95 \(duration(EvalStatistics.quantile(sorted, 0.95))) · max \(duration(sorted.last ?? .nan))"
            let known = report.rows.filter(\.costKnown)
            var costNote = report.cost.map { "total \(Money.display($0)) · per row \(Money.display($0 / Decimal(report.rows.count)))" }
                ?? "total unknown: \(plural(report.rows.count - known.count, "row")) without a price"
            if known.isEmpty { costNote = "unknown: no row has a price" }
            html += "<div class=\"pair\">"
            html += histogram(latencies, upper: latencyMax, quantity: "latency", index: i, caption: "Latency", note: latencyNote, label: duration)
            html += histogram(known.map { Money.double($0.cost) }, upper: costMax, quantity: "cost", index: i, caption: "Cost per row",
                              note: costNote) { Money.display(Money.decimal($0)) }
            html += "</div></figure>\n"
        }
        return html + "</div></section>\n"
    }

    /// Bins `values` over [0, upper]; only non-empty bins get a rect, each carrying its count.
    private static func histogram(_ values: [Double], upper: Double, quantity: String, index: Int, caption: String,
                                  note: String, label: (Double) -> String) -> String {
        let html = "<div class=\"hist\"><div class=\"hist-title\">\(escape(caption))</div>"
        let finite = values.filter { $0.isFinite && $0 >= 0 }
        guard !finite.isEmpty else { return html + "<p class=\"empty small\">\(escape(note))</p></div>" }
        // All-zero values (cached calls, free models) still get an axis one unit wide.
        let top = upper > 0 ? upper : 1
        var counts = [Int](repeating: 0, count: binCount)
        for v in finite { counts[min(binCount - 1, Int(v / top * Double(binCount)))] += 1 }
        let width = 320.0, height = 140.0, left = 30.0, right = 12.0, topMargin = 10.0, bottom = 24.0
        let plotWidth = width - left - right, plotHeight = height - topMargin - bottom
        let peak = Double(counts.max() ?? 1), step = plotWidth / Double(binCount)
        var svg = "<svg class=\"chart hist-chart\" data-quantity=\"\(quantity)\" data-report=\"\(index)\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(escape(caption)) histogram\">"
        svg += "<line class=\"axis\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(height - bottom))\" y2=\"\(f(height - bottom))\"/>"
        svg += "<text class=\"tick\" x=\"\(f(left - 5))\" y=\"\(f(topMargin + 8))\" text-anchor=\"end\">\(Int(peak))</text>"
        svg += "<text class=\"tick\" x=\"\(f(left - 5))\" y=\"\(f(height - bottom))\" text-anchor=\"end\">0</text>"
        for (bin, count) in counts.enumerated() where count > 0 {
            let h = Double(count) / peak * plotHeight
            let from = top * Double(bin) / Double(binCount), to = top * Double(bin + 1) / Double(binCount)
            svg += "<rect class=\"hist-bin c\(index % paletteSize)\" x=\"\(f(left + step * Double(bin) + 1))\" y=\"\(f(height - bottom - h))\""
            svg += " width=\"\(f(step - 2))\" height=\"\(f(h))\" data-count=\"\(count)\"><title>\(escape("\(label(from)) – \(label(to)): \(plural(count, "row"))"))</title></rect>"
        }
        for (position, anchor) in [(0.0, "start"), (0.5, "middle"), (1.0, "end")] {
            svg += "<text class=\"tick\" x=\"\(f(left + plotWidth * position))\" y=\"\(f(height - 7))\" text-anchor=\"\(anchor)\">\(escape(label(top * position)))</text>"
        }
        return html + svg + "</svg><div class=\"sub\">\(escape(note))</div></div>"
    }

    // MARK: Axes

    /// Round tick values covering [lo, hi], about five of them.
    static func ticks(_ lo: Double, _ hi: Double) -> [Double] {
        let step = tickStep(hi - lo)
        guard step > 0, step.isFinite else { return [] }
        var ticks: [Double] = [], k = (lo / step).rounded(.up)
        while k * step <= hi + step * 1e-9 && ticks.count < 50 {
            ticks.append(k * step)
            k += 1
        }
        return ticks
    }

    /// 1, 2 or 5 times a power of ten, about a quarter of the range.
    private static func tickStep(_ range: Double) -> Double {
        guard range > 0, range.isFinite else { return 0 }
        let raw = range / 4, magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude
        return magnitude * (residual < 1.5 ? 1 : residual < 3.5 ? 2 : residual < 7.5 ? 5 : 10)
    }

    private static func tickLabel(_ value: Double, _ range: Double) -> String {
        let digits = max(0, Int((-log10(tickStep(range)) - 1e-9).rounded(.up)))
        return String(format: "%.\(min(digits, 6))f", abs(value) < 1e-12 ? 0 : value)
    }

    /// A coordinate with at most one decimal, so the SVG stays small and stable.
    static func f(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
