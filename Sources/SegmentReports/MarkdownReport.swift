import Foundation
import SegmentCore
import SegmentData
import SegmentModels
import SegmentAnalysis

/// `report.md`: the report's findings as tables, for a terminal or a repository.
public enum MarkdownReport {
    public static func render(_ s: RunSummary) -> String {
        var o: [String] = []
        o.append("# Customer segments\n")
        o.append("\(s.inputs.population) (\(s.inputs.populationRows) people) against \(s.inputs.customers) (\(s.inputs.customerRows) customers); \(s.kmeans.k) segments; backend \(s.backend).\n")
        o.append("## Findings\n")
        for g in s.segments.over {
            o.append("- **Customers are \(fmt(g.ratio, 1))x over-represented in \(HTMLReport.groupLabel(g))**: " + (g.cluster.map { s.profiles[$0].summary } ?? "people with many missing values"))
        }
        for g in s.segments.under {
            o.append("- **Customers are \(fmt(1 / max(g.ratio, 1e-9), 1))x under-represented in \(HTMLReport.groupLabel(g))**: " + (g.cluster.map { s.profiles[$0].summary } ?? "people with many missing values"))
        }
        o.append("\nRule: \(s.representationRule).\n")
        o.append("## Segments\n")
        o.append("| group | population | customers | ratio | 95% interval | difference (pp) | |")
        o.append("|---|---:|---:|---:|---|---:|---|")
        for g in s.segments.groups {
            o.append("| \(HTMLReport.groupLabel(g)) | \(g.populationCount) (\(fmt(g.populationShare * 100, 2))%) | \(g.customerCount) (\(fmt(g.customerShare * 100, 2))%) | \(fmt(g.ratio, 2)) | \(fmt(g.ratioLow, 2))-\(fmt(g.ratioHigh, 2)) | \(fmt(g.difference * 100, 2)) [\(fmt(g.differenceLow * 100, 2)), \(fmt(g.differenceHigh * 100, 2))] | \(g.representation) |")
        }
        o.append("\n## What the segments look like\n")
        for p in s.profiles {
            o.append("### segment \(p.cluster)\n")
            o.append("| feature | segment | population | difference (SD) | meaning |")
            o.append("|---|---:|---:|---:|---|")
            for d in p.top {
                o.append("| \(d.feature) | \(fmt(d.value, 2)) | \(fmt(d.populationMean, 2)) | \(fmt(d.standardized, 2)) | \(d.meaning.replacingOccurrences(of: "|", with: "/")) |")
            }
            o.append("")
        }
        let a = s.cleaning.assessment
        o.append("## Cleaning\n")
        o.append("\(a.rows) population rows; split at more than \(a.rowThreshold) missing values (\(a.rowThresholdRule)): \(a.lowMissingRows) clustered, \(a.highMissingRows) high-missing. \(s.cleaning.features.count) features after encoding.\n")
        o.append("| column | missing | dropped |")
        o.append("|---|---:|---|")
        for c in a.columns.sorted(by: { $0.missingFraction > $1.missingFraction }) where c.missingFraction > 0 || c.dropped != nil {
            o.append("| \(c.name) | \(fmt(c.missingFraction * 100, 2))% | \(c.dropped ?? "") |")
        }
        o.append("\nCo-missing groups:\n")
        for g in a.coMissingGroups { o.append("- \(g.rowsMissingInAll) rows: \(g.columns.joined(separator: ", "))") }
        o.append("\n## Principal components\n")
        o.append("\(s.pca.components) components (\(s.pca.selection)) explain \(fmt(s.pca.explainedVarianceRatioTotal * 100, 1))% of the variance.\n")
        o.append("| component | explained | cumulative | top positive | top negative |")
        o.append("|---:|---:|---:|---|---|")
        for c in s.pca.perComponent.prefix(10) {
            o.append("| \(c.index) | \(fmt(c.explainedVarianceRatio * 100, 2))% | \(fmt(c.cumulativeRatio * 100, 1))% | \(c.topPositive.prefix(3).map { "\($0.feature) \(fmt($0.weight, 3))" }.joined(separator: ", ")) | \(c.topNegative.prefix(3).map { "\($0.feature) \(fmt($0.weight, 3))" }.joined(separator: ", ")) |")
        }
        if let sw = s.sweep {
            o.append("\n## k sweep\n")
            o.append("Suggested k = \(sw.suggestedK) (\(sw.rule)); chosen k = \(s.kmeans.k). On \(sw.rows) rows.\n")
            o.append("| k | inertia | mean distance | silhouette | iterations |")
            o.append("|---:|---:|---:|---:|---:|")
            for p in sw.points {
                o.append("| \(p.k) | \(fmt(p.inertia, 1)) | \(fmt(p.meanDistance, 4)) | \(p.silhouette.map { fmt($0, 3) } ?? "") | \(p.iterations) |")
            }
        }
        let d = s.kmeans.diagnostics
        o.append("\n## k-means\n")
        o.append("k = \(s.kmeans.k), inertia \(fmt(s.kmeans.inertia, 1)), \(s.kmeans.iterations) iterations (best of \(s.kmeans.nInit)); converged: \(!d.didNotConverge ? "yes" : "no"); empty clusters relocated: \(d.emptyClustersRelocated); distinct centres: \(d.distinctCenters).")
        return o.joined(separator: "\n") + "\n"
    }
}

/// The assignment files: `row,group,distance[,customer_share]` with 1-based data row numbers, the
/// cluster number or `high-missing`, and the distance to the centre (empty for high-missing rows).
public enum AssignmentsCSV {
    public static func render(_ a: Assignments, customerShares: [Double]? = nil) -> [UInt8] {
        var out = Array((customerShares == nil ? "row,group,distance\n" : "row,group,distance,customer_share\n").utf8)
        out.reserveCapacity(a.group.count * 24)
        let k = (customerShares?.count ?? 1) - 1
        for i in 0..<a.group.count {
            let g = a.group[i]
            var line = "\(i + 1),"
            line += g < 0 ? "high-missing," : "\(g),\(String(format: "%.9g", a.distance[i]))"
            if g < 0 { line += "" }
            if let shares = customerShares {
                line += ",\(String(format: "%.6f", shares[g < 0 ? k : Int(g)]))"
            }
            out.append(contentsOf: Array(line.utf8))
            out.append(0x0A)
        }
        return out
    }
}
