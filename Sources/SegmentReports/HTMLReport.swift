import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis

/// `report.html`: one self-contained page (no scripts, no network) with inline SVG charts and, beside
/// each, what it shows in plain words. Written as polyglot XHTML, so it parses as XML.
public enum HTMLReport {
    static let blue = "#3b6ea5", orange = "#e08a2c", grey = "#9aa5b1", red = "#c0392b", green = "#2e8b57"

    public static func render(_ s: RunSummary) -> String {
        var sections: [String] = []
        sections.append(section("Who to target", targetsText(s), nil))
        sections.append(section("Who the customers are", headline(s), nil))
        sections.append(section("Customers against the population, segment by segment", sharesText(s), sharesChart(s)))
        sections.append(section("How strongly each segment is over- or under-represented", ratioText(s), ratioChart(s)))
        sections.append(section("What the segments look like", profileText(s), heatMap(s)))
        if let aside = s.inputs.customerColumnsBySegment, !aside.isEmpty {
            sections.append(section("The customers' own columns, by segment", asideText(aside), nil))
        }
        sections.append(section("Missing data by column", missingText(s), missingChart(s)))
        sections.append(section("Missing values per person, and the split", rowText(s), rowHistogram(s)))
        if s.cleaning.assessment.groupDifferences.contains(where: { $0.totalVariation != nil }) {
            sections.append(section("How the high-missing rows differ", groupDifferenceText(s), groupDifferenceChart(s)))
        }
        sections.append(section("Principal components", screeText(s), scree(s)))
        sections.append(section("What the first components mean", loadingsText(s), loadingsChart(s)))
        if let d = s.pcDensity { sections.append(section("The population and the customers on the first two components", densityText(s, d), densityMap(d))) }
        if s.sweep != nil {
            sections.append(section("How many segments", sweepText(s), sweepChart(s)))
        } else {
            sections.append(section("How many segments", "<p>\(xml(Findings.noSweep(s)))</p>", nil))
        }
        if let types = s.inputs.columnTypes { sections.append(section("Columns of the full layout", columnTypesText(s, types), nil)) }
        sections.append(section("Settings", settingsText(s), nil))
        return """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>Customer segments</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 12px; color: #222; line-height: 1.45; }
        h1 { font-size: 1.7em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; }
        p, li, h1, h2 { overflow-wrap: anywhere; }
        .row { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }
        .text { flex: 1 1 300px; min-width: 0; } .chart { flex: 0 1 auto; overflow-x: auto; max-width: 100%; }
        .chart svg { max-width: 100%; height: auto; display: block; }
        .scroll { overflow: auto; max-width: 100%; }
        table { border-collapse: collapse; font-size: 0.9em; } td, th { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
        td:first-child, th:first-child { text-align: left; }
        .over { color: \(red); font-weight: bold; } .under { color: \(blue); font-weight: bold; }
        </style>
        </head>
        <body>
        <h1>Customer segments</h1>
        <p>\(xml(s.inputs.population)) (\(s.inputs.populationRows) people) against \(xml(s.inputs.customers)) (\(s.inputs.customerRows) customers), \(s.kmeans.k) segments. The numbers are in summary.json (with the linear-algebra backend, which does not change the findings: both write this same page).\(s.plantedARI.map { " Against the generator's planted segments (--truth): adjusted Rand index \(fmt($0, 3)) over the low-missing rows." } ?? "")</p>
        \(sections.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    static func section(_ title: String, _ text: String, _ chart: String?) -> String {
        "<h2>\(xml(title))</h2><div class=\"row\"><div class=\"text\">\(text)</div>"
            + (chart.map { "<div class=\"chart\">\($0)</div>" } ?? "") + "</div>"
    }

    static func groupLabel(_ g: SegmentComparison.Group) -> String { g.cluster.map { "segment \($0)" } ?? "high-missing" }

    // MARK: plain words

    static func targetsText(_ s: RunSummary) -> String {
        let items = Findings.targets(s).map { "<li>\(xml($0))</li>" }
        return (items.isEmpty ? "" : "<ol>\(items.joined())</ol>") + "<p>\(xml(Findings.reach(s)))</p>"
            + "<p><b>Coverage.</b> \(xml(Findings.coverage(s)))</p>"
            + (Findings.likeness(s).map { "<p>\(xml($0))</p>" } ?? "")
    }

    static func headline(_ s: RunSummary) -> String {
        var items: [String] = []
        for g in s.segments.over {
            let why = g.cluster.map { s.profiles[$0].summary } ?? ""
            items.append("<li><span class=\"over\">Customers are \(fmt(g.ratio, 1))x over-represented in \(groupLabel(g))</span> (\(fmt(g.customerShare * 100, 1))% of the customers and \(fmt(g.populationShare * 100, 1))% of the people the segments describe): \(xml(why)).</li>")
        }
        for g in s.segments.under {
            let why = g.cluster.map { s.profiles[$0].summary } ?? ""
            items.append("<li><span class=\"under\">Customers are \(fmt(1 / max(g.ratio, 1e-9), 1))x under-represented in \(groupLabel(g))</span> (\(fmt(g.customerShare * 100, 1))% of the customers and \(fmt(g.populationShare * 100, 1))% of the people the segments describe): \(xml(why)).</li>")
        }
        if items.isEmpty { items.append("<li>No segment is over- or under-represented by the rule below.</li>") }
        return "<ul>\(items.joined())</ul><p>Rule: \(xml(s.representationRule)).</p>"
    }

    static func sharesText(_ s: RunSummary) -> String {
        "<p>Each pair of bars is one segment: its share of the general population (grey) and of the customers (orange), both among the people the segments describe. The last pair is the people set aside because too many of their values are missing, as shares of all rows; they are counted, not dropped.</p>"
    }

    static func ratioText(_ s: RunSummary) -> String {
        "<p>Customer share divided by population share, with its 95% interval, among the people the segments describe. Right of the line at 1, customers are more common than in the population; left, rarer. Red: over-represented; blue: under-represented; grey: neither, or (high-missing) a coverage finding rather than a segment.</p>"
    }

    static func profileText(_ s: RunSummary) -> String {
        // A persona per segment: its size, how its customers compare, and who its people are.
        let personas = s.profiles.map { "<p>\(xml(Findings.persona(s, $0)))</p>" }
        return "<p>Each row of the chart is a segment's centre, each column a feature, coloured by how far the centre lies from the population average in standard deviations (red above, blue below).</p>"
            + (personas.isEmpty ? "<p>No segments.</p>" : personas.joined())
    }

    /// The customers file's own columns, per segment: a table per column.
    static func asideText(_ aside: [AsideColumn]) -> String {
        var h = "<p>Shares among each segment's customers of the customers file's own columns (not features: the population has none of them).</p>"
        for a in aside {
            h += "<div class=\"scroll\"><table><tr><th>\(xml(a.column))</th>" + a.values.map { "<th>\(xml($0))</th>" }.joined() + "<th>customers</th></tr>"
            h += "<tr><td>all customers</td>" + a.values.map { "<td>\(fmt((a.overall[$0] ?? 0) * 100, 1))%</td>" }.joined() + "<td></td></tr>"
            for g in a.groups where g.customers > 0 {
                h += "<tr><td>\(g.cluster.map { "segment \($0)" } ?? "high-missing")</td>" + a.values.map { "<td>\(fmt((g.shares[$0] ?? 0) * 100, 1))%</td>" }.joined() + "<td>\(g.customers)</td></tr>"
            }
            h += "</table></div>"
        }
        return h
    }

    /// How each column of a full-layout file was typed.
    static func columnTypesText(_ s: RunSummary, _ types: [ColumnDecision]) -> String {
        let placed = types.filter { $0.type != nil }
        let bySource = Dictionary(grouping: placed, by: \.source).mapValues(\.count)
        let files = s.inputs.metadataFiles ?? []
        var h = "<p>\(placed.count) of \(types.count) columns typed: " + ColumnDecision.Source.allOrdered.compactMap { src in
            bySource[src].map { "\($0) by \(xml(src.rawValue))" } }.joined(separator: ", ") + ". "
        h += files.isEmpty ? "No DIAS metadata was read (give --metadata)." : "Metadata: \(xml(files.joined(separator: ", ")))."
        let left = types.filter { $0.type == nil }
        if !left.isEmpty { h += " Left out: " + xml(left.map { "\($0.column) (\($0.reason))" }.joined(separator: "; ")) + "." }
        h += "</p><div class=\"scroll\" style=\"max-height:24em\"><table><tr><th>column</th><th>type</th><th>typed by</th><th>metadata</th><th>why</th><th>missing codes</th></tr>"
        for d in types {
            h += "<tr><td>\(xml(d.column))</td><td>\(d.type?.rawValue ?? "left out")</td><td>\(xml(d.source.rawValue))</td><td>\(xml(d.metadataName ?? "-")) (\(xml(d.metadataMatch.rawValue)))</td><td>\(xml(d.reason))</td><td>\(xml(d.missingCodes.joined(separator: ", ")))</td></tr>"
        }
        return h + "</table></div>"
    }

    static func missingText(_ s: RunSummary) -> String {
        let a = s.cleaning.assessment
        let dropped = a.columns.filter { $0.dropped != nil }
        let groups = a.coMissingGroups.prefix(6).map { "<li>\($0.rowsMissingInAll) rows lack all of \(xml($0.columns.joined(separator: ", ")))</li>" }
        return "<p>The share of people whose value is missing, after the codes meaning 'unknown' are turned into missing values. \(dropped.count) columns are left out (red): \(xml(dropped.map { "\($0.name) (\($0.dropped!))" }.joined(separator: "; "))).</p><p>Columns that go missing together:</p><ul>\(groups.joined())</ul>"
    }

    static func rowText(_ s: RunSummary) -> String {
        let a = s.cleaning.assessment
        let diffs = a.groupDifferences.prefix(5).compactMap { d in d.totalVariation.map { "\(d.column) (\(fmt($0, 3)))" } }
        return "<p>How many values each person lacks (log scale). The split (dashed line) at more than \(a.rowThreshold) missing values sets aside \(a.highMissingRows) people (\(fmt(100 * Double(a.highMissingRows) / Double(max(1, a.rows)), 1))%) as their own group. \(xml(a.rowThresholdRule)).</p><p>Columns whose values differ most between the two groups (total variation distance): \(xml(diffs.joined(separator: ", "))).</p>"
    }

    static func groupDifferenceText(_ s: RunSummary) -> String {
        let a = s.cleaning.assessment
        return "<p>For the columns where the two row groups differ most: how differently the \(a.highMissingRows) high-missing people answer, "
            + "as the total variation distance between the two groups' answers (0: the same, 1: nothing in common), and how often each group "
            + "lacks the column. A large distance is why those rows are counted apart rather than filled in as if they were like the others.</p>"
    }

    /// The top columns by distance between the row groups: the distance as a bar, the two missing shares as text.
    static func groupDifferenceChart(_ s: RunSummary) -> String {
        let diffs = s.cleaning.assessment.groupDifferences.filter { $0.totalVariation != nil }.prefix(10)
        let rowH = 20.0, left = 190.0, w = 620.0, plotW = 220.0
        let h = 40 + rowH * Double(diffs.count)
        var svg = SVG(width: w, height: h)
        for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let x = left + plotW * t
            svg.line(x, 16, x, h - 22, stroke: "#eee")
            svg.text(x, h - 8, fmt(t, 2), anchor: "middle", size: 10)
        }
        svg.text(left + plotW + 12, 12, "missing: low / high-missing rows", size: 10)
        for (i, d) in diffs.enumerated() {
            let y = 20 + rowH * Double(i), tv = d.totalVariation ?? 0
            svg.text(left - 6, y + 11, d.column, anchor: "end", size: 10)
            svg.rect(left, y, plotW * tv, rowH - 6, fill: orange, title: "\(d.column): distance \(fmt(tv, 3))")
            svg.text(left + plotW * tv + 4, y + 11, fmt(tv, 2), size: 9)
            svg.text(left + plotW + 40, y + 11, "\(fmt(d.missingShareLow * 100, 0))% / \(fmt(d.missingShareHigh * 100, 0))%", size: 10)
        }
        return svg.rendered
    }

    static func screeText(_ s: RunSummary) -> String {
        "<p>Bars: the share of the variance each component explains; line: the running total. \(s.pca.components) components are kept (\(xml(s.pca.selection))), explaining \(fmt(s.pca.explainedVarianceRatioTotal * 100, 1))% of the variance.</p>"
    }

    static func loadingsText(_ s: RunSummary) -> String {
        let items = s.pca.perComponent.prefix(3).map { c in
            "<li>Component \(c.index) (\(fmt(c.explainedVarianceRatio * 100, 1))%): up with \(xml(c.topPositive.prefix(3).map(\.feature).joined(separator: ", "))); down with \(xml(c.topNegative.prefix(3).map(\.feature).joined(separator: ", ")))</li>"
        }
        return "<p>The features with the largest positive and negative weights in the first components.</p><ul>\(items.joined())</ul>"
    }

    static func sweepText(_ s: RunSummary) -> String {
        guard let sw = s.sweep else { return "" }
        let alone = [("the knee of the inertia curve", sw.kneeK), ("the customer-information plateau", sw.informationK),
                     ("the largest silhouette", sw.silhouetteK), ("the largest Calinski-Harabasz index", sw.calinskiHarabaszK)]
            .compactMap { name, k in k.map { "\(name) \($0)" } }
        return "<p>Blue: the sum of squared distances to the nearest centre for each number of segments (on \(sw.rows) people). Orange: how much the segments tell customers from the population (the Jensen-Shannon divergence of the two files' segment shares, in bits). The rule picks k = \(sw.suggestedK): \(xml(sw.rule)). This run uses k = \(s.kmeans.k).</p>"
            + (alone.isEmpty ? "" : "<p>Each criterion alone would pick: \(xml(alone.joined(separator: "; "))). Every value per k is in summary.json.</p>")
    }

    static func settingsText(_ s: RunSummary) -> String {
        let c = s.settings
        let rows: [(String, String)] = [
            ("column threshold", fmt(c.cleaning.columnMissingThreshold, 2)), ("row threshold", "\(c.cleaning.rowThreshold) (used: \(s.cleaning.assessment.rowThreshold))"),
            ("multi-level categoricals", c.cleaning.multiLevel.rawValue), ("FEIN/GROB pairs", c.cleaning.finePairs.rawValue),
            ("LP_LEBENSPHASE", c.cleaning.lebensphase.rawValue), ("imputation", c.imputation.rawValue),
            ("PCA", s.pca.selection), ("k", "\(s.kmeans.k)" + (s.kmeans.suggestedK.map { " (suggested \($0))" } ?? "")),
            ("n init", "\(c.nInit)"), ("max iterations", "\(c.maxIterations)"), ("tolerance", "\(c.tolerance)"),
            ("k-means iterations", c.kmeansAlgorithm.rawValue), ("sweep start", c.sweepStart.rawValue),
            ("seed", "\(c.seed)"), ("features after cleaning", "\(s.cleaning.features.count)"),
        ]
        let diag = s.kmeans.diagnostics
        var notes: [String] = []
        if diag.didNotConverge { notes.append("k-means did not converge within the iteration limit") }
        if diag.emptyClustersRelocated > 0 { notes.append("\(diag.emptyClustersRelocated) empty cluster(s) relocated") }
        if diag.fewerDistinctClusters { notes.append("only \(diag.distinctCenters) distinct centres") }
        for (c, n) in s.inputs.customerCodesUnseenInPopulation.sorted(by: { $0.key < $1.key }) {
            notes.append("\(n) customer row(s) have a \(c) code the population never had (encoded as zeros)")
        }
        return "<table>" + rows.map { "<tr><td>\(xml($0.0))</td><td>\(xml($0.1))</td></tr>" }.joined() + "</table>"
            + (notes.isEmpty ? "" : "<p>Notes: \(xml(notes.joined(separator: "; "))).</p>")
    }

    // MARK: charts

    static func sharesChart(_ s: RunSummary) -> String {
        let groups = s.segments.groups
        let w = 620.0, h = 300.0, left = 50.0, bottom = 60.0, top = 20.0
        var svg = SVG(width: w, height: h)
        let maxV = max(0.01, groups.map { max($0.populationShare, $0.customerShare) }.max() ?? 0.01) * 1.1
        let plotH = h - top - bottom, slot = (w - left - 10) / Double(max(1, groups.count))
        for t in niceTicks(0, maxV * 100) {
            let y = top + plotH * (1 - t / 100 / maxV)
            svg.line(left, y, w - 10, y, stroke: "#eee")
            svg.text(left - 6, y + 4, "\(Int(t))%", anchor: "end", size: 10)
        }
        for (i, g) in groups.enumerated() {
            let x = left + Double(i) * slot
            let bw = slot * 0.38
            let ph = plotH * g.populationShare / maxV, ch = plotH * g.customerShare / maxV
            svg.rect(x + slot * 0.1, top + plotH - ph, bw, ph, fill: grey, title: "\(groupLabel(g)): population \(fmt(g.populationShare * 100, 1))%")
            svg.rect(x + slot * 0.1 + bw, top + plotH - ch, bw, ch, fill: orange, title: "\(groupLabel(g)): customers \(fmt(g.customerShare * 100, 1))%")
            svg.text(x + slot / 2, h - bottom + 14, g.cluster.map(String.init) ?? "high-", anchor: "middle", size: 10)
            if g.cluster == nil { svg.text(x + slot / 2, h - bottom + 26, "missing", anchor: "middle", size: 10) }
        }
        svg.line(left, top + plotH, w - 10, top + plotH)
        svg.text(left + (w - left) / 2, h - 14, "segment", anchor: "middle")
        svg.text(14, top + plotH / 2, "share of people", anchor: "middle", rotate: -90)
        svg.rect(w - 190, 4, 10, 10, fill: grey); svg.text(w - 176, 13, "population", size: 10)
        svg.rect(w - 110, 4, 10, 10, fill: orange); svg.text(w - 96, 13, "customers", size: 10)
        return svg.rendered
    }

    static func ratioChart(_ s: RunSummary) -> String {
        let groups = s.segments.groups
        let rowH = 22.0, left = 110.0, right = 30.0, w = 620.0
        let h = 50 + rowH * Double(groups.count)
        var svg = SVG(width: w, height: h)
        // Log scale, symmetric around 1.
        let maxLog = max(log2(4.0), groups.map { max(abs(log2(max($0.ratioLow, 1e-3))), abs(log2(max($0.ratioHigh, 1e-3)))) }.max() ?? 2)
        func x(_ r: Double) -> Double { left + (w - left - right) * (0.5 + log2(max(r, 1e-3)) / (2 * maxLog)) }
        for t in [0.125, 0.25, 0.5, 1, 2, 4, 8] where abs(log2(t)) <= maxLog {
            svg.line(x(t), 10, x(t), h - 30, stroke: t == 1 ? "#555" : "#eee", width: t == 1 ? 1.5 : 1)
            svg.text(x(t), h - 16, t < 1 ? "1/\(Int(1 / t))" : "\(Int(t))x", anchor: "middle", size: 10)
        }
        // The representation rule's lines: over at 1.5x, under at 1/1.5.
        let over = SegmentComparison.overThreshold
        for (t, color, label) in [(over, red, "over \(fmt(over, 1))x"), (1 / over, blue, "under 1/\(fmt(over, 1))")] {
            svg.line(x(t), 10, x(t), h - 30, stroke: color, width: 1, dash: true)
            svg.text(x(t), 8, label, anchor: "middle", size: 9, fill: color)
        }
        for (i, g) in groups.enumerated() {
            let y = 20 + rowH * Double(i)
            let color = g.representation == "over" ? red : (g.representation == "under" ? blue : grey)
            svg.text(left - 8, y + 4, groupLabel(g), anchor: "end", size: 11)
            svg.line(x(g.ratioLow), y, x(g.ratioHigh), y, stroke: color, width: 2)
            svg.circle(x(g.ratio), y, 4, fill: color, title: "\(groupLabel(g)): ratio \(fmt(g.ratio, 2)) [\(fmt(g.ratioLow, 2)), \(fmt(g.ratioHigh, 2))]")
        }
        svg.text(left + (w - left - right) / 2, h - 2, "customer share / population share (log scale)", anchor: "middle", size: 11)
        return svg.rendered
    }

    static func heatMap(_ s: RunSummary) -> String {
        guard !s.profiles.isEmpty else { return "" }
        // The most telling features: the largest |standardized| across segments.
        let names = s.cleaning.features
        let strength = names.indices.map { i in s.profiles.map { abs($0.standardized[i]) }.max() ?? 0 }
        // Ranked to nine digits, ties in feature order: a column and its complement (GREEN_AVANTGARDE and
        // the youth movement) tie, and last-bit differences between the backends must not swap them.
        let chosen = rankDescending(strength).prefix(16)
        let cell = 34.0, left = 80.0, top = 200.0
        let w = max(600, left + cell * Double(chosen.count) + 130), h = top + cell * Double(s.profiles.count) + 56
        var svg = SVG(width: w, height: h)
        for (c, i) in chosen.enumerated() {
            svg.text(left + cell * Double(c) + cell / 2, top - 6, names[i], anchor: "start", size: 10, rotate: -55)
        }
        for (r, p) in s.profiles.enumerated() {
            svg.text(left - 8, top + cell * Double(r) + cell / 2 + 4, "segment \(p.cluster)", anchor: "end", size: 11)
            for (c, i) in chosen.enumerated() {
                let z = p.standardized[i]
                svg.rect(left + cell * Double(c), top + cell * Double(r), cell - 1, cell - 1, fill: divergingColor(z),
                         title: "segment \(p.cluster), \(names[i]): \(fmt(p.centre[i], 2)) (\(z >= 0 ? "+" : "")\(fmt(z, 2)) SD)")
                svg.text(left + cell * Double(c) + cell / 2, top + cell * Double(r) + cell / 2 + 4, fmt(z, 1), anchor: "middle", size: 9)
            }
            // Whether customers over- or under-represent the segment, beside its row.
            if let g = s.segments.groups.first(where: { $0.cluster == p.cluster }), g.representation == "over" || g.representation == "under" {
                let over = g.representation == "over"
                svg.text(left + cell * Double(chosen.count) + 6, top + cell * Double(r) + cell / 2 + 4,
                         over ? "▲ customers \(fmt(g.ratio, 1))x" : "▼ customers 1/\(fmt(1 / max(g.ratio, 1e-9), 1))",
                         size: 10, fill: over ? red : blue)
            }
        }
        // The colour key: standard deviations from the population average.
        let keyY = top + cell * Double(s.profiles.count) + 16
        let steps = [-2.0, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]
        for (k, z) in steps.enumerated() {
            svg.rect(left + 24 * Double(k), keyY, 24, 12, fill: divergingColor(z))
            if k % 2 == 0 { svg.text(left + 24 * Double(k) + 12, keyY + 26, (z > 0 ? "+" : "") + fmt(z, 0), anchor: "middle", size: 9) }
        }
        svg.text(left + 24 * Double(steps.count) + 8, keyY + 10, "standard deviations from the population average", size: 10)
        return svg.rendered
    }

    static func missingChart(_ s: RunSummary) -> String {
        let cols = s.cleaning.assessment.columns.sorted { $0.missingFraction > $1.missingFraction }.filter { $0.missingFraction > 0 }
        let rowH = 13.0, left = 170.0, w = 620.0
        let h = 40 + rowH * Double(cols.count)
        var svg = SVG(width: w, height: h)
        let plotW = w - left - 60
        for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let x = left + plotW * t
            svg.line(x, 10, x, h - 24, stroke: "#eee")
            svg.text(x, h - 10, "\(Int(t * 100))%", anchor: "middle", size: 10)
        }
        let threshold = s.settings.cleaning.columnMissingThreshold
        for (i, c) in cols.enumerated() {
            let y = 14 + rowH * Double(i)
            svg.text(left - 6, y + 9, c.name, anchor: "end", size: 10)
            svg.rect(left, y, plotW * c.missingFraction, rowH - 3, fill: c.dropped != nil ? red : blue,
                     title: "\(c.name): \(fmt(c.missingFraction * 100, 1))% missing\(c.dropped.map { "; dropped: \($0)" } ?? "")")
        }
        svg.line(left + plotW * threshold, 10, left + plotW * threshold, h - 24, stroke: red, dash: true)
        return svg.rendered
    }

    static func rowHistogram(_ s: RunSummary) -> String {
        let a = s.cleaning.assessment
        let hist = a.rowHistogram
        let w = 620.0, h = 280.0, left = 60.0, bottom = 45.0, top = 15.0
        var svg = SVG(width: w, height: h)
        let maxLog = log10(Double(max(10, hist.max() ?? 10)))
        let plotH = h - top - bottom, bw = (w - left - 10) / Double(max(1, hist.count))
        for e in 0...Int(ceil(maxLog)) {
            let y = top + plotH * (1 - Double(e) / ceil(maxLog))
            svg.line(left, y, w - 10, y, stroke: "#eee")
            svg.text(left - 6, y + 4, e == 0 ? "1" : "1e\(e)", anchor: "end", size: 10)
        }
        for (m, count) in hist.enumerated() where count > 0 {
            let bh = plotH * log10(Double(count) + 1) / ceil(maxLog)
            svg.rect(left + bw * Double(m), top + plotH - bh, max(1, bw - 1), bh, fill: m > a.rowThreshold ? orange : blue,
                     title: "\(m) missing: \(count) people")
        }
        let xs = left + bw * (Double(a.rowThreshold) + 1)
        svg.line(xs, top, xs, top + plotH, stroke: red, width: 1.5, dash: true)
        svg.text(xs + 4, top + 12, "split: > \(a.rowThreshold)", size: 10, fill: red)
        svg.line(left, top + plotH, w - 10, top + plotH)
        for t in niceTicks(0, Double(hist.count - 1)) {
            svg.text(left + bw * (t + 0.5), top + plotH + 14, "\(Int(t))", anchor: "middle", size: 10)
        }
        svg.text(left + (w - left) / 2, h - 8, "missing values per person", anchor: "middle")
        svg.text(14, top + plotH / 2, "people (log scale)", anchor: "middle", rotate: -90)
        return svg.rendered
    }

    static func scree(_ s: RunSummary) -> String {
        let ratios = Array(s.pca.allRatios.prefix(max(40, s.pca.components + 5)))
        let w = 620.0, h = 280.0, left = 50.0, bottom = 45.0, top = 15.0
        var svg = SVG(width: w, height: h)
        let plotH = h - top - bottom, bw = (w - left - 10) / Double(max(1, ratios.count))
        for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let y = top + plotH * (1 - t)
            svg.line(left, y, w - 10, y, stroke: "#eee")
            svg.text(left - 6, y + 4, "\(Int(t * 100))%", anchor: "end", size: 10)
        }
        var cum = 0.0
        var points: [(Double, Double)] = []
        for (i, r) in ratios.enumerated() {
            cum += r
            svg.rect(left + bw * Double(i), top + plotH * (1 - r), max(1, bw - 1), plotH * r,
                     fill: i < s.pca.components ? blue : grey, title: "component \(i + 1): \(fmt(r * 100, 2))%, cumulative \(fmt(cum * 100, 1))%")
            points.append((left + bw * (Double(i) + 0.5), top + plotH * (1 - cum)))
        }
        svg.polyline(points, stroke: orange)
        let xk = left + bw * Double(s.pca.components)
        svg.line(xk, top, xk, top + plotH, stroke: red, dash: true)
        svg.text(xk + 4, top + 12, "kept: \(s.pca.components)", size: 10, fill: red)
        svg.line(left, top + plotH, w - 10, top + plotH)
        for t in niceTicks(1, Double(ratios.count)) where t >= 1 {
            svg.text(left + bw * (t - 0.5), top + plotH + 14, "\(Int(t))", anchor: "middle", size: 10)
        }
        svg.text(left + (w - left) / 2, h - 8, "component", anchor: "middle")
        svg.text(14, top + plotH / 2, "explained variance", anchor: "middle", rotate: -90)
        return svg.rendered
    }

    static func densityText(_ s: RunSummary, _ d: PCDensity) -> String {
        func words(_ c: Int) -> String {
            guard let p = s.pca.perComponent.first(where: { $0.index == c }) else { return "" }
            let pos = p.topPositive.prefix(2).map(\.feature).joined(separator: ", "), neg = p.topNegative.prefix(2).map(\.feature).joined(separator: ", ")
            return " (component \(c): up with \(xml(pos)), down with \(xml(neg)))"
        }
        let customers = d.customers.reduce(0, +)
        return "<p>Each grey cell is a patch of the map of the first two components\(words(1))\(words(2)); the darker it is, the more of the "
            + "population lies there. Orange dots are the customers: the larger, the more customers in that patch (\(customers) "
            + "in all). Where orange is large on pale grey, customers are more common than in the population; segments are regions of "
            + "this map, seen in \(s.pca.perComponent.count) dimensions rather than two.</p>"
    }

    /// The population's density (grey, log scale) with the customers' counts as orange dots.
    static func densityMap(_ d: PCDensity) -> String {
        let cell = 12.0, left = 40.0, top = 10.0, bottom = 36.0
        let w = left + cell * Double(d.columns) + 10, h = top + cell * Double(d.rows) + bottom
        var svg = SVG(width: w, height: h)
        let maxPop = Double(d.population.max() ?? 1), maxCust = Double(max(1, d.customers.max() ?? 1))
        for r in 0..<d.rows {
            for c in 0..<d.columns {
                let n = d.population[r * d.columns + c], m = d.customers[r * d.columns + c]
                let x = left + cell * Double(c), y = top + cell * Double(r)
                if n > 0 {
                    let shade = log1p(Double(n)) / log1p(maxPop)
                    let level = Int(235 - 170 * shade)
                    svg.rect(x, y, cell, cell, fill: "rgb(\(level),\(level),\(level))", title: "\(n) people, \(m) customers")
                }
                if m > 0 { svg.circle(x + cell / 2, y + cell / 2, max(0.8, 5.5 * (Double(m) / maxCust).squareRoot()), fill: orange) }
            }
        }
        let plotW = cell * Double(d.columns), plotH = cell * Double(d.rows)
        svg.line(left, top + plotH, left + plotW, top + plotH)
        svg.line(left, top, left, top + plotH)
        for t in niceTicks(d.pc1[0], d.pc1[1]) where t >= d.pc1[0] && t <= d.pc1[1] {
            let x = left + plotW * (t - d.pc1[0]) / (d.pc1[1] - d.pc1[0])
            svg.line(x, top + plotH, x, top + plotH + 4)
            svg.text(x, top + plotH + 15, fmt(t, 1), anchor: "middle", size: 10)
        }
        for t in niceTicks(d.pc2[0], d.pc2[1]) where t >= d.pc2[0] && t <= d.pc2[1] {
            let y = top + plotH - plotH * (t - d.pc2[0]) / (d.pc2[1] - d.pc2[0])
            svg.line(left - 4, y, left, y)
            svg.text(left - 6, y + 3, fmt(t, 1), anchor: "end", size: 10)
        }
        svg.text(left + plotW / 2, h - 6, "component 1", anchor: "middle")
        svg.text(12, top + plotH / 2, "component 2", anchor: "middle", rotate: -90)
        return svg.rendered
    }

    static func loadingsChart(_ s: RunSummary) -> String {
        let comps = Array(s.pca.perComponent.prefix(3))
        let rowH = 14.0, panelW = 300.0, left = 150.0
        let perPanel = comps.map { $0.topPositive.count + $0.topNegative.count }.max() ?? 10
        let h = 30 + rowH * Double(perPanel) * 1.0 + 36
        let w = panelW * Double(max(1, comps.count)) + 16
        var svg = SVG(width: w, height: h * 1.0)
        for (p, c) in comps.enumerated() {
            let x0 = Double(p) * panelW
            svg.text(x0 + panelW / 2, 14, "component \(c.index)", anchor: "middle", weight: "bold")
            let items = c.topPositive.map { ($0.feature, $0.weight) } + c.topNegative.map { ($0.feature, $0.weight) }
            let maxW = items.map { abs($0.1) }.max() ?? 1
            let mid = x0 + left + (panelW - left - 10) / 2, half = (panelW - left - 10) / 2
            for (i, item) in items.enumerated() {
                let y = 24 + rowH * Double(i)
                let len = half * abs(item.1) / maxW
                svg.rect(item.1 >= 0 ? mid : mid - len, y, len, rowH - 3, fill: item.1 >= 0 ? red : blue,
                         title: "\(item.0): \(fmt(item.1, 3))")
                svg.text(x0 + left - 4, y + 9, item.0.count > 24 ? String(item.0.prefix(23)) + "…" : item.0, anchor: "end", size: 9)
            }
            svg.line(mid, 20, mid, h - 24, stroke: "#999")
            // The value axis: the weights at the ends of the bars.
            for t in [-maxW, 0, maxW] {
                let x = mid + half * t / maxW
                svg.line(x, h - 24, x, h - 20, stroke: "#999")
                svg.text(x, h - 8, (t > 0 ? "+" : "") + fmt(t, 2), anchor: "middle", size: 9)
            }
        }
        return svg.rendered
    }

    static func sweepChart(_ s: RunSummary) -> String {
        guard let sw = s.sweep, !sw.points.isEmpty else { return "" }
        let w = 620.0, h = 280.0, left = 80.0, bottom = 45.0, top = 15.0
        var svg = SVG(width: w, height: h)
        let ks = sw.points.map { Double($0.k) }, ys = sw.points.map(\.inertia)
        let x0 = ks.min()!, x1 = max(ks.max()!, x0 + 1)
        // The y axis spans the curve (not from 0), so the bend is visible.
        let lo = ys.min() ?? 0, hi = ys.max() ?? 1
        let y0 = max(0, lo - (hi - lo) * 0.1), y1 = hi + (hi - lo) * 0.05 + (hi == lo ? 1 : 0)
        let plotH = h - top - bottom, plotW = w - left - 20
        func px(_ k: Double) -> Double { left + plotW * (k - x0) / (x1 - x0) }
        func py(_ v: Double) -> Double { top + plotH * (1 - (v - y0) / (y1 - y0)) }
        for t in niceTicks(y0, y1) {
            svg.line(left, py(t), w - 20, py(t), stroke: "#eee")
            svg.text(left - 6, py(t) + 4, t >= 1e6 ? "\(fmt(t / 1e6, 1))M" : (t >= 1e3 ? "\(fmt(t / 1e3, 0))k" : fmt(t, 0)), anchor: "end", size: 10)
        }
        svg.polyline(zip(ks, ys).map { (px($0), py($1)) }, stroke: blue)
        for p in sw.points {
            svg.circle(px(Double(p.k)), py(p.inertia), 3, fill: blue,
                       title: "k = \(p.k): inertia \(fmt(p.inertia, 0)), mean distance \(fmt(p.meanDistance, 3))\(p.silhouette.map { ", silhouette \(fmt($0, 3))" } ?? "")")
            svg.text(px(Double(p.k)), top + plotH + 14, "\(p.k)", anchor: "middle", size: 10)
        }
        // The customer information on its own scale (right): where it flattens, the rule's k.
        let info = sw.points.compactMap { p in p.customerInformation.map { (Double(p.k), $0) } }
        if info.count == sw.points.count, let top1 = info.map(\.1).max(), top1 > 0 {
            func qy(_ v: Double) -> Double { top + plotH * (1 - v / (top1 * 1.05)) }
            svg.polyline(info.map { (px($0.0), qy($0.1)) }, stroke: orange)
            for (k, v) in info { svg.circle(px(k), qy(v), 3, fill: orange, title: "k = \(Int(k)): customer information \(fmt(v, 4)) bits") }
            svg.line(left, qy(KSweep.plateauShare * top1), w - 20, qy(KSweep.plateauShare * top1), stroke: orange, dash: true)
            svg.text(w - 22, qy(KSweep.plateauShare * top1) - 4, "\(Int(KSweep.plateauShare * 100))% of the largest information", anchor: "end", size: 10, fill: orange)
        }
        svg.line(px(Double(sw.suggestedK)), top, px(Double(sw.suggestedK)), top + plotH, stroke: green, dash: true)
        svg.text(px(Double(sw.suggestedK)) + 4, top + 12, "suggested \(sw.suggestedK)", size: 10, fill: green)
        if Double(s.kmeans.k) >= x0 && Double(s.kmeans.k) <= x1 {
            svg.line(px(Double(s.kmeans.k)), top + 20, px(Double(s.kmeans.k)), top + plotH, stroke: red, dash: true)
            svg.text(px(Double(s.kmeans.k)) + 4, top + 32, "chosen \(s.kmeans.k)", size: 10, fill: red)
        }
        svg.line(left, top + plotH, w - 20, top + plotH)
        svg.text(left + plotW / 2, h - 8, "number of segments k", anchor: "middle")
        svg.text(14, top + plotH / 2, "inertia (blue)", anchor: "middle", rotate: -90)
        if sw.points.contains(where: { $0.customerInformation != nil }) {
            svg.text(w - 6, top + plotH / 2, "customer information (orange)", anchor: "middle", rotate: 90, fill: orange)
        }
        return svg.rendered
    }
}
